// A shared worker that reports where blendwarp thinks it runs, to each page that connects.
import { info } from 'blendwarp';
const where = info();
self.onconnect = (e) => {
  const port = e.ports[0];
  where.then((r) => port.postMessage({ runtime: r.runtime, context: r.context }));
};
