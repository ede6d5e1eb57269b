// Any label set (ids as given, names from --labels or none, FreeSurfer only for aseg ids, never a
// silent remap) and orientation (axis permutations/flips reoriented to the atlas's, outputs written
// back in each scan's own orientation; other grids refused with a reason), ending in one small CLI
// run on the shared oasis2d seg24 data with a flipped + transposed copy of a test subject.
// The label-set and orientation tests run no kernel (once); the CLI run goes on each backend of
// backendsUnderTest().
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGeometry, readNifti, writeNifti, type NiftiVolume } from '../src/io/nifti.js';
import { isFreeSurferAseg, labelSetFor, parseLabelFile } from '../src/synth/labels.js';
import { axisMapTo, reorient, toOwnOrientation, type AxisMap } from '../src/synth/orient.js';
import { prepareData } from '../src/synth/data.js';
import { main } from '../src/cli/synth.js';
import { backendsUnderTest, sharedData } from './harness.js';

const OASIS = sharedData('brain/oasis2d');
const outRoot = mkdtempSync(join(tmpdir(), 'blendwarp-labels-orient-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

describe('label sets', () => {
  it('parses FreeSurfer LUT lines and "id name" lines; errors name the file and line', () => {
    const lut = '#ID Label Name R G B A\n\n0   Unknown   0 0 0 0\n1   Left-Cortex   245 245 245 0\n17  Left-Hippocampus 220 216 20 0\n';
    expect(parseLabelFile(lut, 'lut.txt')).toEqual([{ value: 1, name: 'Left-Cortex' }, { value: 17, name: 'Left-Hippocampus' }]);
    expect(parseLabelFile('3 left lateral ventricle\n4 csf', 'ids.txt')).toEqual([{ value: 3, name: 'left lateral ventricle' }, { value: 4, name: 'csf' }]);
    expect(() => parseLabelFile('1 a\nx b', 'bad.txt')).toThrow(/bad\.txt:2: expected "id name/);
    expect(() => parseLabelFile('1 a\n1 b', 'dup.txt')).toThrow(/dup\.txt:2: id 1 appears twice/);
  });
  it('ids 1..24 are not FreeSurfer: evaluated as given, unnamed; aseg ids: the paper\'s 30', () => {
    const seg24 = Array.from({ length: 24 }, (_, i) => i + 1);
    expect(isFreeSurferAseg(seg24)).toBe(false);
    const g = labelSetFor(seg24, 'atlas.nii');
    expect(g.set.labels.map((l) => l.value)).toEqual(seg24);
    expect(g.set.labels[1]!.name).toBe('label 2'); // not "Left-Cerebral-White-Matter"
    expect(g.set.classIndex(24)).toBe(24);
    const aseg = [2, 3, 4, 5, 41, 42, 43, 77, 252];
    expect(isFreeSurferAseg(aseg)).toBe(true);
    const f = labelSetFor(aseg, 'aseg.nii');
    expect(f.set.labels.map((l) => l.name)).toEqual(['Left-Cerebral-White-Matter', 'Left-Cerebral-Cortex', 'Left-Lateral-Ventricle', 'Right-Cerebral-White-Matter', 'Right-Cerebral-Cortex', 'Right-Lateral-Ventricle']);
    expect(f.notes.join('\n')).toMatch(/aseg ids 5, 77, 252 are outside the paper's 30: treated as background/);
  });
  it('--labels FILE: its ids present in the atlas, with its names; absent and unnamed ids are reported', () => {
    const file = { labels: [{ value: 1, name: 'WM' }, { value: 2, name: 'Cortex' }, { value: 9, name: 'Other' }], name: 'l.txt' };
    const r = labelSetFor([1, 2, 3], 'atlas.nii', file);
    expect(r.set.names()).toEqual({ 1: 'WM', 2: 'Cortex' });
    expect(r.notes.join('\n')).toMatch(/ids 9 of l\.txt are not in the atlas label map/);
    expect(r.notes.join('\n')).toMatch(/atlas ids 3 are not in l\.txt: treated as background/);
    expect(() => labelSetFor([5], 'atlas.nii', file)).toThrow(/l\.txt: none of its ids is in the atlas label map/);
  });
});

/** A 2D volume [ni, nj, 1] with geometry srow. */
function vol2(data: Float32Array, dims: [number, number, number], srow: number[]): NiftiVolume {
  const geometry = { ...defaultGeometry(), srow, sformCode: 2, qformCode: 0 };
  return { dims, data, datatype: 'float32', geometry, affine: [...srow, 0, 0, 0, 1] };
}

/** Flips axis i and swaps i and j: the same voxels as another tool may write them. */
function flipTranspose(v: NiftiVolume): NiftiVolume {
  const [ni, nj] = v.dims;
  const data = new Float32Array(v.data.length);
  // new (a, b) = old (i = ni - 1 - b, j = a): new dims [nj, ni, 1].
  for (let b = 0; b < ni; b++) for (let a = 0; a < nj; a++) data[b * nj + a] = v.data[a * ni + (ni - 1 - b)]!;
  const s = v.geometry.srow;
  // world = S [i; j; 1] with i = ni - 1 - b, j = a: column a <- column j, column b <- -column i.
  const srow = [0, 1, 2].flatMap((r) => [s[4 * r + 1]!, -s[4 * r]!, s[4 * r + 2]!, s[4 * r + 3]! + s[4 * r]! * (ni - 1)]);
  return { ...v, dims: [nj, ni, 1], data, geometry: { ...v.geometry, srow, sformCode: 2, qformCode: 0 }, affine: [...srow, 0, 0, 0, 1] };
}

describe('orientation', () => {
  const srow = [-1, 0, 0, 3, 0, 0, 1, -2, 0, -1, 0, 5];
  const a = vol2(Float32Array.from({ length: 12 }, (_, i) => i), [4, 3, 1], srow);
  it('a flipped + transposed copy maps back onto the reference voxel for voxel, and outputs go back', () => {
    const b = flipTranspose(a);
    const m = axisMapTo(a, 'atlas', b, 'b.nii');
    expect(m).toEqual({ perm: [1, 0, 2], flip: [true, false, false] } satisfies AxisMap);
    const r = reorient(b, m);
    expect(r.dims).toEqual([4, 3, 1]);
    expect(Array.from(r.data)).toEqual(Array.from(a.data));
    const own = toOwnOrientation(Float32Array.from(a.data), [1, 3, 4], a.geometry, m);
    expect(own.dims).toEqual([3, 4, 1]);
    expect(Array.from(own.data)).toEqual(Array.from(b.data));
    expect(own.geometry.srow).toEqual(b.geometry.srow);
  });
  it('refuses grids that truly differ, saying how', () => {
    expect(() => axisMapTo(a, 'atlas', vol2(new Float32Array(12), [4, 3, 1], [-2, 0, 0, 3, 0, 0, 1, -2, 0, -1, 0, 5]), 'big.nii')).toThrow(/big\.nii: not on one grid with atlas: its voxel sizes \(2\.000 x 1\.000 x 1\.000 mm\) differ/);
    const c = Math.cos(0.3), s = Math.sin(0.3);
    expect(() => axisMapTo(a, 'atlas', vol2(new Float32Array(12), [4, 3, 1], [-c, s, 0, 3, 0, 0, 1, -2, -s, -c, 0, 5]), 'obl.nii')).toThrow(/obl\.nii: .*not a multiple of 90 degrees/);
    expect(() => axisMapTo(a, 'atlas', vol2(new Float32Array(12), [4, 3, 1], [-1, 0, 0, 6, 0, 0, 1, -2, 0, -1, 0, 5]), 'sh.nii')).toThrow(/sh\.nii: its grid is shifted against atlas's by \(-3\.00, 0\.00, 0\.00\) voxels \(3\.00 mm\)/);
    expect(() => axisMapTo(a, 'atlas', vol2(new Float32Array(15), [5, 3, 1], srow), 'd.nii')).toThrow(/d\.nii: dimensions 5 x 3 x 1 differ from atlas \(4 x 3 x 1\)/);
  });
});

describe.skipIf(!OASIS).each(backendsUnderTest())('oasis2d seg24 end to end (shared data) on %s', (backend) => {
  const gpu = backend === 'webgpu';
  it('--labels seg24_labels.txt, a flipped + transposed test subject: ids as given, predictions in its own orientation', async () => {
    const out = join(outRoot, backend);
    mkdirSync(out);
    const f = (n: string) => join(OASIS!, n);
    const read = async (p: string) => readNifti(new Uint8Array(readFileSync(p)), p);
    const flipped = async (p: string, name: string, datatype: 'float32' | 'int16') => {
      const v = flipTranspose(await read(p));
      writeFileSync(join(out, name), await writeNifti({ dims: v.dims, data: v.data, datatype, geometry: v.geometry }));
      return join(out, name);
    };
    const fv = await flipped(f('test/0009_norm.nii.gz'), 'flip_0009_norm.nii.gz', 'float32');
    const fs = await flipped(f('test/0009_seg24.nii.gz'), 'flip_0009_seg24.nii.gz', 'int16');
    // The reoriented copy is the same scan as the original, voxel for voxel.
    const bytes = async (p: string) => ({ name: p, bytes: new Uint8Array(readFileSync(p)) });
    const d = await prepareData({
      atlas: { vol: await bytes(f('atlas/0140_norm.nii.gz')), seg: await bytes(f('atlas/0140_seg24.nii.gz')) },
      unlabeled: [await bytes(f('test/0017_norm.nii.gz'))],
      tests: [{ vol: await bytes(f('test/0009_norm.nii.gz')), seg: await bytes(f('test/0009_seg24.nii.gz')) }, { vol: await bytes(fv), seg: await bytes(fs) }],
    }, { downsample: 4, multiple: 8 });
    expect(Array.from(d.tests[1]!.image)).toEqual(Array.from(d.tests[0]!.image));
    expect(Array.from(d.tests[1]!.labels!)).toEqual(Array.from(d.tests[0]!.labels!));
    expect(d.labelSet.labels.map((l) => l.value)).not.toContain(13); // not in the atlas
    expect(d.notes.join('\n')).toMatch(/ids 13 in test\/train label maps are not evaluated labels: treated as background/);

    // webgpu (~20x slower per step on lavapipe): registration methods only, fewer steps; the same checks.
    const methods = gpu ? ['affine', 'sas'] : ['affine', 'sas', 'rand-aug', 'ours-indep'];
    const argv = ['run', '--quick', '--steps', gpu ? '2' : '4', '--downsample', '4', '--backend', backend, '--out', out,
      '--methods', methods.join(','), '--labels', f('seg24_labels.txt'),
      '--atlas', f('atlas/0140_norm.nii.gz'), '--atlas-seg', f('atlas/0140_seg24.nii.gz'),
      '--refine-steps', gpu ? '1' : '2', '--boundary-radius', '2', '--appearance-smooth', '0.5',
      '--unlabeled', `${f('test/0017_norm.nii.gz')}:${f('test/0017_seg24.nii.gz')}`, f('test/0018_norm.nii.gz'),
      '--test', `${f('test/0009_norm.nii.gz')}:${f('test/0009_seg24.nii.gz')}`, `${fv}:${fs}`, `${f('test/0019_norm.nii.gz')}:${f('test/0019_seg24.nii.gz')}`];
    const w = process.stdout.write, e = process.stderr.write;
    let printed = '';
    process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof w;
    process.stderr.write = (() => true) as typeof e;
    try { expect(await main(argv)).toBe(0); } finally { process.stdout.write = w; process.stderr.write = e; }
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.labels['2']).toBe('Left-Cerebral-Cortex'); // seg24's id 2, not FreeSurfer's 2
    expect(r.labels['24']).toBe('Right-Choroid-Plexus');
    for (const m of r.methods) for (const k of Object.keys(m.per_label)) expect(Number(k)).toBeLessThanOrEqual(24);
    expect(Object.keys(r.methods[0].per_label).length).toBeGreaterThanOrEqual(15);
    // Statistics: every method against sas and rand-aug, paired over the 3 subjects.
    const pairs = r.comparisons.map((c: { a: string; b: string }) => `${c.a}-${c.b}`);
    expect(pairs).toEqual(expect.arrayContaining(gpu ? ['affine-sas'] : ['ours-indep-sas', 'affine-sas', 'ours-indep-rand-aug', 'sas-rand-aug']));
    for (const c of r.comparisons) { expect(c.n).toBe(3); expect(c.ci95[0]).toBeLessThanOrEqual(c.mean_diff + 1e-9); }
    expect(printed).toMatch(/Paired over 3 test subjects/);
    // Label transfer of the (refined) training fields, on the one unlabeled scan given a label map.
    expect(r.label_transfer.per_subject.map((x: { subject: string }) => x.subject)).toEqual(['0017_norm']);
    expect(r.label_transfer.dice_mean).toBeGreaterThan(0.2);
    expect(r.label_transfer.dice_mean).toBeLessThanOrEqual(1);
    expect(printed).toMatch(/Spatial model label transfer \(atlas -> 1 unlabeled scans with label maps\): Dice 0\.\d{3}/);
    expect(r.config.spatial.refineSteps).toBe(gpu ? 1 : 2);
    expect(r.config.appearance.boundaryRadius).toBe(2);
    expect(r.methods[0].dice_std_subjects).toBeGreaterThanOrEqual(0);
    // The flipped subject scores exactly as the original and its prediction comes back in its own orientation.
    const subj = (m: { per_subject: { subject: string; dice_mean: number }[] }, s: string) => m.per_subject.find((x) => x.subject === s)!.dice_mean;
    for (const m of r.methods) expect(subj(m, 'flip_0009_norm')).toBeCloseTo(subj(m, '0009_norm'), 6);
    const predFlip = await read(join(out, 'predictions/sas_flip_0009_norm_labels.nii.gz'));
    const predOrig = await read(join(out, 'predictions/sas_0009_norm_labels.nii.gz'));
    expect(predFlip.dims).toEqual([predOrig.dims[1], predOrig.dims[0], 1]);
    const back = flipTranspose(predOrig);
    expect(Array.from(predFlip.data)).toEqual(Array.from(back.data));
    for (let k = 0; k < 12; k++) expect(predFlip.affine[k]).toBeCloseTo(back.affine[k]!, 4);
  });
});
