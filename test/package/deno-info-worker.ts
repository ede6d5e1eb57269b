// A Deno worker that reports where blendwarp thinks it runs.
import { info } from 'blendwarp';
const r = await info();
(self as unknown as { postMessage(m: unknown): void }).postMessage({ runtime: r.runtime, context: r.context });
