// NIfTI-1 read/write: round trips for every datatype, both compressions, geometry kept, scaling,
// and bad input named by file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGeometry, encodeNifti, gzip, readNifti, scaleGeometry, writeNifti, type NiftiDatatype, type NiftiGeometry } from '../src/io/nifti.js';
import { sharedData } from './harness.js';

const geometry: NiftiGeometry = {
  pixdim: [1.5, 2, 2.5], qformCode: 1, sformCode: 2, quatern: [0, 0, 1, -80, 96, -112], qfac: -1,
  srow: [-1.5, 0, 0, 80, 0, 0, 2.5, -112, 0, -2, 0, 96], xyztUnits: 10,
};

const ranges: Record<NiftiDatatype, [number, number, boolean]> = {
  uint8: [0, 255, true], int8: [-128, 127, true], int16: [-32768, 32767, true], uint16: [0, 65535, true],
  int32: [-2e9, 2e9, true], float32: [-1e3, 1e3, false], float64: [-1e6, 1e6, false],
};

describe('NIfTI-1', () => {
  for (const [dt, [lo, hi, integer]] of Object.entries(ranges) as [NiftiDatatype, [number, number, boolean]][]) {
    for (const compress of [false, true]) {
      it(`round trip ${dt} ${compress ? '.nii.gz' : '.nii'}`, async () => {
        const dims: [number, number, number] = [5, 4, 3];
        const data = Float64Array.from({ length: 60 }, (_, i) => {
          const v = lo + ((hi - lo) * ((i * 37) % 60)) / 59;
          return integer ? Math.round(v) : v;
        });
        data[0] = lo; data[1] = hi;
        const bytes = await writeNifti({ dims, data, datatype: dt, geometry }, compress);
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(compress);
        const v = await readNifti(bytes, `x.${dt}`);
        expect(v.dims).toEqual(dims);
        expect(v.datatype).toBe(dt);
        for (let i = 0; i < 60; i++) expect(v.data[i]).toBeCloseTo(Math.fround(data[i]!), dt === 'float64' || dt === 'float32' ? 0 : 5);
        expect(v.geometry.sformCode).toBe(2);
        expect(v.geometry.qformCode).toBe(1);
        expect(v.geometry.pixdim).toEqual([1.5, 2, 2.5]);
        expect(v.geometry.quatern).toEqual(geometry.quatern);
        expect(v.affine.slice(0, 12)).toEqual(geometry.srow);
      });
    }
  }

  it('applies scl_slope and scl_inter; slope 0 means unscaled', async () => {
    const raw = encodeNifti({ dims: [2, 2, 1], data: [0, 1, 2, 3], datatype: 'int16', geometry: defaultGeometry() });
    const v = new DataView(raw.buffer);
    v.setFloat32(112, 0.5, true);
    v.setFloat32(116, 10, true);
    expect(Array.from((await readNifti(raw, 'scaled.nii')).data)).toEqual([10, 10.5, 11, 11.5]);
    v.setFloat32(112, 0, true);
    expect(Array.from((await readNifti(raw, 'unscaled.nii')).data)).toEqual([0, 1, 2, 3]);
  });

  it('derives the affine from the qform when there is no sform', async () => {
    const g: NiftiGeometry = { ...defaultGeometry([2, 3, 4]), sformCode: 0, qformCode: 1, quatern: [0, 0, 0, 5, 6, 7] };
    const v = await readNifti(encodeNifti({ dims: [2, 2, 2], data: new Float32Array(8), datatype: 'float32', geometry: g }), 'q.nii');
    expect(v.affine).toEqual([2, 0, 0, 5, 0, 3, 0, 6, 0, 0, 4, 7, 0, 0, 0, 1]);
  });

  it('down-sampling geometry moves voxel centres to the block centres', () => {
    const g = scaleGeometry(defaultGeometry(), [2, 2, 1]);
    expect(g.srow).toEqual([2, 0, 0, 0.5, 0, 2, 0, 0.5, 0, 0, 1, 0]);
  });

  it('reads big-endian files', async () => {
    const le = encodeNifti({ dims: [3, 1, 1], data: [1, -2, 300], datatype: 'int16', geometry: defaultGeometry() });
    const be = new Uint8Array(le.length);
    const src = new DataView(le.buffer), dst = new DataView(be.buffer);
    be.set(le);
    dst.setInt32(0, 348, false);
    for (let i = 0; i < 8; i++) dst.setInt16(40 + 2 * i, src.getInt16(40 + 2 * i, true), false);
    for (const o of [70, 72, 252, 254]) dst.setInt16(o, src.getInt16(o, true), false);
    for (let o = 76; o < 120; o += 4) dst.setFloat32(o, src.getFloat32(o, true), false);
    for (let o = 256; o < 328; o += 4) dst.setFloat32(o, src.getFloat32(o, true), false);
    for (let i = 0; i < 3; i++) dst.setInt16(352 + 2 * i, src.getInt16(352 + 2 * i, true), false);
    expect(Array.from((await readNifti(be, 'be.nii')).data)).toEqual([1, -2, 300]);
  });

  it('bad input: errors name the file and the problem', async () => {
    const good = encodeNifti({ dims: [8, 8, 8], data: new Float32Array(512).map((_, i) => i), datatype: 'float32', geometry: defaultGeometry() });
    const gz = await gzip(good);
    await expect(readNifti(gz.slice(0, gz.length - 200), 'cut.nii.gz')).rejects.toThrow(/cut\.nii\.gz: the gzip stream is truncated or corrupt/);
    await expect(readNifti(good.slice(0, 1000), 'short.nii')).rejects.toThrow(/short\.nii: dimensions 8 x 8 x 8 of float32 need 2400 bytes, the file has 1000/);
    const bigger = good.slice();
    new DataView(bigger.buffer).setInt16(46, 9, true); // nk = 9 but only 8 slices stored
    await expect(readNifti(bigger, 'dims.nii')).rejects.toThrow(/dims\.nii: dimensions 8 x 8 x 9/);
    const magic = good.slice();
    magic[344] = 0x78;
    await expect(readNifti(magic, 'magic.nii')).rejects.toThrow(/magic\.nii: bad NIfTI-1 magic/);
    await expect(readNifti(new Uint8Array(100), 'tiny.nii')).rejects.toThrow(/tiny\.nii: 100 bytes is too short/);
    const notNifti = good.slice();
    new DataView(notNifti.buffer).setInt32(0, 540, true);
    await expect(readNifti(notNifti, 'n2.nii')).rejects.toThrow(/n2\.nii: not a NIfTI-1 file/);
    const dt = good.slice();
    new DataView(dt.buffer).setInt16(70, 32, true); // complex64
    await expect(readNifti(dt, 'complex.nii')).rejects.toThrow(/complex\.nii: NIfTI datatype 32 is not supported/);
    const fourD = good.slice();
    new DataView(fourD.buffer).setInt16(40, 4, true);
    new DataView(fourD.buffer).setInt16(48, 2, true);
    await expect(readNifti(fourD, '4d.nii')).rejects.toThrow(/4d\.nii: .* more than one volume/);
  });

  it('reads the shared 2D slices (uint8 with slope 1, float32 with slope 0) with their geometry', async () => {
    const dir = sharedData('brain/2d');
    if (!dir) return;
    const a = await readNifti(new Uint8Array(readFileSync(join(dir, 'vxm_test_scan_slice112_vol.nii.gz'))), 'atlas');
    expect(a.dims).toEqual([160, 192, 1]);
    expect(a.datatype).toBe('uint8');
    expect(a.affine.slice(0, 12)).toEqual([-1, 0, 0, 80, 0, 0, 1, -112, 0, -1, 0, 96]);
    expect(Math.max(...a.data)).toBeGreaterThan(100);
    const f = await readNifti(new Uint8Array(readFileSync(join(dir, 'neurite_oasis_slice_norm_A.nii.gz'))), 'slice');
    expect(f.datatype).toBe('float32');
    expect(Math.max(...f.data)).toBeLessThanOrEqual(1);
    // Written back, it reads the same (values and geometry).
    const again = await readNifti(await writeNifti({ dims: a.dims, data: a.data, datatype: 'uint8', geometry: a.geometry }), 'again');
    expect(again.data).toEqual(a.data);
    expect(again.affine).toEqual(a.affine);
  });
});
