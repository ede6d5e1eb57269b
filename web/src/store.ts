// Checkpoints and outputs in IndexedDB (idb-keyval), usable from a worker: a BlobStore for the
// pipelines, one key prefix per run, so a reloaded page resumes a run from its checkpoints.
import { createStore, del, get, keys, set } from 'idb-keyval';
import type { BlobStore } from 'blendwarp/io';

const db = () => createStore('blendwarp', 'blobs');

export class IdbStore implements BlobStore {
  private readonly st = db();
  constructor(readonly prefix: string) {}
  async load(name: string): Promise<Uint8Array | null> {
    const v = await get<Uint8Array>(`${this.prefix}/${name}`, this.st);
    return v ?? null;
  }
  async save(name: string, bytes: Uint8Array): Promise<void> {
    // One IndexedDB put is atomic: a reader sees the old bytes or the new ones.
    await set(`${this.prefix}/${name}`, bytes.slice(), this.st);
  }
  /** Names saved under this run, without the prefix. */
  async list(): Promise<string[]> {
    const all = (await keys(this.st)) as string[];
    return all.filter((k) => typeof k === 'string' && k.startsWith(`${this.prefix}/`)).map((k) => k.slice(this.prefix.length + 1)).sort();
  }
  async clear(): Promise<void> {
    for (const n of await this.list()) await del(`${this.prefix}/${n}`, this.st);
  }
}
