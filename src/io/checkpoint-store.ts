// Where checkpoints and outputs go. Pipelines write through this interface so they run the same in
// a worker, a page (IndexedDB/OPFS or memory) and Node (files, see src/cli/fs-store.ts).

export interface BlobStore {
  /** The bytes saved under `name`, or null when there are none. */
  load(name: string): Promise<Uint8Array | null>;
  /** Saves atomically: a reader sees the old bytes or the new ones, never half of them. */
  save(name: string, bytes: Uint8Array): Promise<void>;
}

/** An in-memory store (tests, pages that keep results in memory). */
export class MemoryStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  async load(name: string): Promise<Uint8Array | null> {
    return this.blobs.get(name) ?? null;
  }
  async save(name: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(name, bytes.slice());
  }
}
