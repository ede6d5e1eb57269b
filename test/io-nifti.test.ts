// NIfTI-1 read/write: round trips for every datatype, both compressions, geometry kept, scaling,
// and bad input named by file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../src/io/errors.js';
import { DEFAULT_DECOMPRESSION_CEILING, fflateInflater, InflateLimitError, setDecompressionCeiling, setInflater, type Inflater } from '../src/io/inflate.js';
import { defaultGeometry, encodeNifti, gzip, NiftiError, readNifti, scaleGeometry, writeNifti, type NiftiDatatype, type NiftiGeometry } from '../src/io/nifti.js';
import { sharedData } from './harness.js';

/** ../shared/data/brain/2d, or null (the test is reported as skipped; under CI=true sharedData throws). */
const brain2d = sharedData('brain/2d');

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
    await expect(readNifti(good.slice(0, 1000), 'short.nii')).rejects.toThrow(/short\.nii: dim: 8 x 8 x 8 of float32 at vox_offset 352 need 2400 bytes, the file has 1000/);
    const bigger = good.slice();
    new DataView(bigger.buffer).setInt16(46, 9, true); // nk = 9 but only 8 slices stored
    await expect(readNifti(bigger, 'dims.nii')).rejects.toThrow(/dims\.nii: dim: 8 x 8 x 9/);
    const magic = good.slice();
    magic[344] = 0x78;
    await expect(readNifti(magic, 'magic.nii')).rejects.toThrow(/magic\.nii: magic: "x\+1\?", expected "n\+1"/);
    await expect(readNifti(new Uint8Array(100), 'tiny.nii')).rejects.toThrow(/tiny\.nii: 100 bytes is too short/);
    const notNifti = good.slice();
    new DataView(notNifti.buffer).setInt32(0, 540, true);
    await expect(readNifti(notNifti, 'n2.nii')).rejects.toThrow(/n2\.nii: sizeof_hdr: is 540: a NIfTI-2 file, which is not supported/);
    const dt = good.slice();
    new DataView(dt.buffer).setInt16(70, 32, true); // complex64
    await expect(readNifti(dt, 'complex.nii')).rejects.toThrow(/complex\.nii: datatype: 32 \(complex64\) is not supported; the reader takes 2 \(uint8\)/);
    const fourD = good.slice();
    new DataView(fourD.buffer).setInt16(40, 4, true);
    new DataView(fourD.buffer).setInt16(48, 2, true);
    await expect(readNifti(fourD, '4d.nii')).rejects.toThrow(/4d\.nii: .* more than one volume/);
    const set = (f: (v: DataView) => void) => { const b = good.slice(); f(new DataView(b.buffer)); return b; };
    for (const bad of [NaN, Infinity, 352.5, 100]) {
      await expect(readNifti(set((v) => v.setFloat32(108, bad, true)), 'vox.nii')).rejects.toThrow(/vox\.nii: vox_offset: is/);
    }
    await expect(readNifti(set((v) => v.setInt16(70, 768, true)), 'u32.nii')).rejects.toThrow(/datatype: 768 \(uint32\) is not supported/);
    await expect(readNifti(set((v) => v.setInt16(70, 999, true)), 'odd.nii')).rejects.toThrow(/datatype: 999 \(not a NIfTI-1 datatype\)/);
    await expect(readNifti(set((v) => v.setInt16(72, 16, true)), 'bitpix.nii')).rejects.toThrow(/bitpix\.nii: bitpix: is 16, but datatype 16 \(float32\) has 32 bits/);
    await expect(readNifti(set((v) => { v.setFloat32(112, 2, true); v.setFloat32(116, NaN, true); }), 'inter.nii')).rejects.toThrow(/inter\.nii: scl_inter: is NaN/);
    await expect(readNifti(set((v) => { v.setFloat32(112, 2e38, true); }), 'scl.nii')).rejects.toThrow(/scl\.nii: voxel 2: 2 scaled by scl_slope .* past the float32 range/);
    await expect(readNifti(set((v) => v.setFloat32(80, NaN, true)), 'pix.nii')).rejects.toThrow(/pix\.nii: pixdim\[1\]: is NaN/);
    await expect(readNifti(set((v) => { v.setInt16(254, 1, true); v.setFloat32(280, Infinity, true); }), 'srow.nii')).rejects.toThrow(/srow\.nii: srow_x\[0\]: is Infinity/);
    // The errors are the library's own type, with the file and the field.
    const e = await readNifti(set((v) => v.setFloat32(108, NaN, true)), 'vox.nii').catch((x) => x);
    expect(e).toBeInstanceOf(NiftiError);
    expect(e).toBeInstanceOf(FormatError);
    expect([e.source, e.entry]).toEqual(['vox.nii', 'vox_offset']);
  });

  it('a decompression bomb (an 8 x 8 x 8 volume followed by 512 MiB of zeros) is refused after one chunk', async () => {
    const vol = encodeNifti({ dims: [8, 8, 8], data: new Float32Array(512), datatype: 'float32', geometry: defaultGeometry() });
    // Gzip members may follow one another: the volume, then 512 MiB of zeros built from one
    // compressed 1 MiB block repeated (the whole file stays about 1 MB).
    const zeros = await gzip(new Uint8Array(2 ** 20));
    const parts = [await gzip(vol), ...Array.from({ length: 512 }, () => zeros)];
    const bomb = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { bomb.set(p, o); o += p.length; }
    let inflated = 0;
    const counting: Inflater = { name: 'counting', inflate: (input, format, max) => { const out = fflateInflater.inflate(input, format, max); inflated += out.length; return out; } };
    setInflater(counting);
    try {
      await expect(readNifti(bomb, 'bomb.nii.gz')).rejects.toThrow(/bomb\.nii\.gz: decompresses to more than the 2400 bytes its header \(8 x 8 x 8 float32 at vox_offset 352\) declares/);
      setDecompressionCeiling(1000);
      await expect(readNifti(await gzip(vol), 'ceiling.nii.gz')).rejects.toThrow(/ceiling\.nii\.gz: .* declares 2400 decompressed bytes, more than the decompression ceiling of 1000 bytes/);
    } finally {
      setInflater(null);
      setDecompressionCeiling(DEFAULT_DECOMPRESSION_CEILING);
    }
    expect(inflated).toBe(0); // the bounded inflater threw before handing anything back
  });

  it('the Node faces inflate with node:zlib, bounded the same way', async () => {
    const { zlibInflater } = await import('../src/cli/node-inflate.js');
    setInflater(null);
    const vol = encodeNifti({ dims: [4, 4, 2], data: new Float32Array(32).map((_, i) => i), datatype: 'float32', geometry: defaultGeometry() });
    const gz = await gzip(vol);
    expect(zlibInflater.inflate(gz, 'gzip', vol.length)).toEqual(vol);
    expect(() => zlibInflater.inflate(gz, 'gzip', vol.length - 1)).toThrow(InflateLimitError);
    expect(() => fflateInflater.inflate(gz, 'gzip', vol.length - 1)).toThrow(InflateLimitError);
    expect(fflateInflater.inflate(gz, 'gzip', vol.length)).toEqual(vol);
  });

  it.skipIf(!brain2d)('reads the shared 2D slices (uint8 with slope 1, float32 with slope 0) with their geometry', async () => {
    const dir = brain2d!;
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
