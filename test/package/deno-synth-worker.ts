// The whole worker file of the Deno recipe: the ready entry module exposes the synthesis service.
import 'blendwarp/workers/synth-web-worker';
