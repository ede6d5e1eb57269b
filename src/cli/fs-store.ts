// A BlobStore on the file system: each name is a file under `dir`, written to a temporary file and
// renamed into place, so an interrupted write never leaves a half-written output.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../io/checkpoint-store.js';

export class FsStore implements BlobStore {
  constructor(readonly dir: string) {}

  async load(name: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(join(this.dir, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async save(name: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytes);
  }
}

/** Writes `data` to a temporary file beside `path` and renames it into place: a process killed meanwhile leaves the old file or none, never half of one. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
