// Dedicated worker: runs the parity subset (bundled as parity.js) and posts the report to the page.
import { runParity } from './parity.js';

runParity().then((r) => postMessage(r), (e) => postMessage({ error: String((e && e.stack) || e) }));
