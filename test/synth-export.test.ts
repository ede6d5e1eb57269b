// `blendwarp synth synthesize --export DIR`: the synthesized training set for a PyTorch trainer
// (docs/voxelmorph.md): NIfTI image + class-index label pairs, index.csv and index.json.
// Runs on each backend of backendsUnderTest() (2 training steps per network: small on webgpu too).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/synth.js';
import { readNifti } from '../src/io/nifti.js';
import { backendsUnderTest } from './harness.js';

describe.each(backendsUnderTest())('on %s', (backend) => {

it('writes N image/label pairs on the cropped grid, labels as class indices, and an index that names them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-export-'));
  try {
    const args = ['synthesize', '--data', 'default', '--quick', '--steps', '2', '--synth-count', '2', '--backend', backend, '--out', join(dir, 'run'), '--export', join(dir, 'set'), '--export-count', '3'];
    expect(await main(args)).toBe(0);
    const csv = readFileSync(join(dir, 'set', 'index.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,image,label,shape_index,appearance_index');
    expect(csv.length).toBe(4);
    const index = JSON.parse(readFileSync(join(dir, 'set', 'index.json'), 'utf8'));
    expect(index.classes).toBe(31);
    expect(index.label_values.length).toBe(31);
    expect(index.examples.length).toBe(3);
    for (const ex of index.examples) {
      const img = await readNifti(new Uint8Array(readFileSync(join(dir, 'set', ex.image))), ex.image);
      const lab = await readNifti(new Uint8Array(readFileSync(join(dir, 'set', ex.label))), ex.label);
      expect(img.dims).toEqual(index.shape);
      expect(lab.dims).toEqual(index.shape);
      expect(lab.datatype).toBe('int16');
      const values = new Set(lab.data);
      expect([...values].every((v) => Number.isInteger(v) && v >= 0 && v < 31)).toBe(true);
      expect(values.size).toBeGreaterThan(3);
      expect(Math.max(...img.data)).toBeGreaterThan(0.1);
    }
    // The synthesize stage's first examples are the exported ones (same draws).
    const first = index.examples[0];
    const stageName = `synth/example-000_shape-${first.shape_index}_appearance-${first.appearance_index}_image.nii.gz`;
    const stage = await readNifti(new Uint8Array(readFileSync(join(dir, 'run', stageName))), stageName);
    const exported = await readNifti(new Uint8Array(readFileSync(join(dir, 'set', first.image))), first.image);
    expect(Array.from(exported.data)).toEqual(Array.from(stage.data));
    await expect(main(['spatial', '--data', 'default', '--quick', '--export', join(dir, 'x')])).rejects.toThrow(/--export: the training set exists from the synthesize stage on/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
});
