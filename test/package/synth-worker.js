// The whole worker file of the browser recipe: the ready entry module exposes the synthesis service.
import 'blendwarp/workers/synth-web-worker';
