// The synthesis pipeline in a Web Worker: blendwarp's SynthService (comlink) with checkpoints and
// outputs in IndexedDB, plus choosing the backend and listing what a run wrote.
import * as Comlink from 'comlink';
import { SynthService, type PrepareRequest } from 'blendwarp/workers';
import type { BackendName } from 'blendwarp';
import { IdbStore } from './store';
import { startBackend } from './backend';

class WebSynth extends SynthService {
  private idb: IdbStore | null = null;
  start(choice: BackendName | 'auto') { return startBackend(choice); }
  /** prepare() with this run's IndexedDB store: a rerun with the same id resumes from its checkpoints. */
  prepareRun(req: PrepareRequest, runId: string) {
    this.idb = new IdbStore(`synth/${runId}`);
    return this.prepare(req, this.idb);
  }
  async outputs(): Promise<string[]> { return this.idb ? this.idb.list() : []; }
  async saveText(name: string, text: string): Promise<void> { await this.idb?.save(name, new TextEncoder().encode(text)); }
}

Comlink.expose(new WebSynth());
export type { WebSynth };
