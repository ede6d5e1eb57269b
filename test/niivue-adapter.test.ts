// blendwarp/niivue: volumes <-> niivue NVImages (values, dims, affine), label overlays with the
// FreeSurfer colour table, and the pipeline run on volumes held by a viewer. niivue's NVImage parses
// in Node, so this runs without a browser; the viewer is a stand-in holding `volumes` (what the
// adapter uses of a Niivue). The page test (web-app.test.ts) covers drawing.
// register/segment run on each backend of backendsUnderTest(); the volume and colour-table
// conversions run no kernel and are tested once.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Niivue, NVImage } from '@niivue/niivue';
import { addLabels, addVolume, freeSurferColormap, fromNVImage, register, segment, toNVImage, type Volume } from '../src/niivue/index.js';
import { phantomCohort } from '../src/synth/phantoms.js';
import { EVAL_LABELS, toLabelValues } from '../src/synth/labels.js';
import { backendsUnderTest, useBackend } from './harness.js';

function viewer(): Niivue & { volumes: NVImage[] } {
  const volumes: NVImage[] = [];
  return { volumes, addVolume(img: NVImage) { volumes.push(img); } } as unknown as Niivue & { volumes: NVImage[] };
}

describe('blendwarp/niivue', () => {
  beforeAll(() => useBackend('wasm'));

  it('a volume goes to an NVImage and back with its values, dims and (oblique) affine', async () => {
    const shape: [number, number, number] = [3, 4, 5];
    const data = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 100);
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const affine = [1.5 * c, -2 * s, 0, -10, 1.5 * s, 2 * c, 0, 20, 0, 0, 2.5, -5, 0, 0, 0, 1];
    const img = await toNVImage({ name: 'oblique', shape, data, affine });
    expect(Array.from(img.hdr!.dims.slice(1, 4))).toEqual([5, 4, 3]);
    const back = fromNVImage(img);
    expect(back.shape).toEqual(shape);
    expect(back.name).toBe('oblique');
    for (let i = 0; i < 60; i++) expect(back.data[i]).toBeCloseTo(data[i]!, 4);
    for (let i = 0; i < 16; i++) expect(back.affine[i]).toBeCloseTo(affine[i]!, 5);
  });

  it('label maps keep their FreeSurfer values and get the FreeSurfer colour table', async () => {
    const nv = viewer();
    const labels = Int32Array.from({ length: 24 }, (_, i) => [0, 17, 53, 2][i % 4]!);
    const img = await addLabels(nv, { name: 'labels', shape: [2, 3, 4], data: labels, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    expect(nv.volumes).toEqual([img]);
    expect(Array.from(fromNVImage(img).data)).toEqual(Array.from(labels));
    expect(img.colormapLabel).toBeTruthy();
    const cm = freeSurferColormap([53, 0, 17, 2, 17]);
    expect(cm.I).toEqual([0, 2, 17, 53]);
    expect(cm.A).toEqual([0, 255, 255, 255]);
    expect(cm.labels).toEqual(['Unknown', 'Left-Cerebral-White-Matter', 'Left-Hippocampus', 'Right-Hippocampus']);
    expect([cm.R[2], cm.G[2], cm.B[2]]).toEqual([220, 216, 20]); // FreeSurferColorLUT: Left-Hippocampus
  });

});

describe.each(backendsUnderTest())('blendwarp/niivue on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('register and segment run on the volumes loaded in a viewer and add their results back', async () => {
    const shape: [number, number, number] = [1, 32, 32];
    const c = phantomCohort(shape, { unlabeled: 2, tests: 1 }, 3);
    const affine = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    const vol = (name: string, data: Float32Array | Int32Array): Volume => ({ name, shape, data, affine });
    const nv = viewer();
    await addVolume(nv, vol('atlas', c.atlas.image));
    await addLabels(nv, vol('atlas_seg', toLabelValues(c.atlas.labels!)));
    await addVolume(nv, vol('scan_a', c.unlabeled[0]!.image));
    await addVolume(nv, vol('scan_b', c.tests[0]!.image));
    const inputs = { atlas: 0, atlasLabels: 1, unlabeled: [2, 3], steps: 3 };
    const reg = await register(nv, { ...inputs, target: 3 });
    expect(nv.volumes.length).toBe(7);
    expect(reg.volumes).toEqual(nv.volumes.slice(4));
    expect(reg.foldingFraction).toBeGreaterThanOrEqual(0);
    expect(reg.foldingFraction).toBeLessThanOrEqual(1);
    const [warped, warpedLabels, jacobian] = reg.volumes.map((v) => fromNVImage(v));
    for (const v of [warped!, warpedLabels!, jacobian!]) { expect(v.shape).toEqual(shape); expect(v.affine).toEqual(affine); }
    expect(warped!.data.some((x) => x > 0.1)).toBe(true);
    expect(jacobian!.data.some((x) => x !== 0)).toBe(true);
    const valid = new Set([0, ...EVAL_LABELS.map((l) => l.value)]);
    expect(new Set(warpedLabels!.data).size).toBeGreaterThan(3);
    for (const x of warpedLabels!.data) expect(valid.has(x)).toBe(true);

    const seg = await segment(nv, { ...inputs, target: 3, method: 'rand-aug' });
    expect(nv.volumes.length).toBe(8);
    const pred = fromNVImage(seg);
    expect(pred.shape).toEqual(shape);
    for (const x of pred.data) expect(valid.has(x)).toBe(true);
  }, 300_000);
});
