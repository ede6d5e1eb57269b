// A dedicated worker that reports where blendwarp thinks it runs.
import { info } from 'blendwarp';
const r = await info();
self.postMessage({ runtime: r.runtime, context: r.context });
