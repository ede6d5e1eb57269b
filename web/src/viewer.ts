// One niivue viewer showing a "scene": a base image and overlays (label maps with the FreeSurfer
// colour table, maps with a colour scale). Volumes reach niivue through blendwarp/niivue with their
// affines, and the view is chosen from them: a 2D slice is shown in the world plane it lies in.
import { Niivue, SLICE_TYPE } from '@niivue/niivue';
import { freeSurferColormap, toNVImage, type Volume } from 'blendwarp/niivue';

export interface Layer {
  vol: Volume;
  kind: 'image' | 'labels' | 'map';
  colormap?: string;
  calMin?: number;
  calMax?: number;
  opacity?: number;
  /** For label layers: a colour table other than FreeSurfer's. */
  table?: ReturnType<typeof freeSurferColormap>;
}
export interface Scene { title: string; note?: string; layers: Layer[] }

/** The slice type for a volume: the world plane of a 2D slice (from its affine), else multiplanar. */
export function sliceTypeFor(vol: Volume): SLICE_TYPE {
  const flatAxis = vol.shape.findIndex((s) => s === 1); // shape [D, H, W] = [nk, nj, ni]
  if (flatAxis < 0) return SLICE_TYPE.MULTIPLANAR;
  const col = 2 - flatAxis; // NIfTI axis (i = 0, j = 1, k = 2) of the flat voxel axis
  const dir = [0, 1, 2].map((r) => Math.abs(vol.affine[4 * r + col]!));
  const world = dir.indexOf(Math.max(...dir)); // 0 x (left-right), 1 y (posterior-anterior), 2 z (inferior-superior)
  return world === 0 ? SLICE_TYPE.SAGITTAL : world === 1 ? SLICE_TYPE.CORONAL : SLICE_TYPE.AXIAL;
}

export class Viewer {
  readonly nv: Niivue;
  private ready: Promise<unknown>;
  private pending = Promise.resolve();
  constructor(canvas: HTMLCanvasElement) {
    this.nv = new Niivue({ backColor: [0.05, 0.05, 0.08, 1], show3Dcrosshair: false, isColorbar: false, crosshairColor: [1, 0.3, 0.2, 0.5], crosshairWidth: 0 });
    this.ready = this.nv.attachToCanvas(canvas);
  }

  /** Replaces what is shown by `scene` (calls are queued, the last one wins on screen). */
  show(scene: Scene): Promise<void> {
    this.pending = this.pending.then(() => this.draw(scene)).catch((e) => { console.error('viewer:', e); });
    return this.pending;
  }

  private async draw(scene: Scene): Promise<void> {
    await this.ready;
    const imgs = [];
    for (const L of scene.layers) {
      const img = await toNVImage(L.vol, { colormap: L.colormap ?? 'gray', opacity: L.opacity ?? (L.kind === 'labels' ? 0.45 : 1), calMin: L.calMin, calMax: L.calMax });
      if (L.kind === 'labels') img.setColormapLabel(L.table ?? freeSurferColormap([0, ...new Set(Array.from(L.vol.data as ArrayLike<number>))]));
      imgs.push(img);
    }
    for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
    for (const img of imgs) this.nv.addVolume(img);
    if (scene.layers[0]) this.nv.setSliceType(sliceTypeFor(scene.layers[0].vol));
    this.nv.updateGLVolume();
  }
}

/** Folding voxels in red. */
export const FOLDING_TABLE = { R: [0, 255], G: [0, 0], B: [0, 0], A: [0, 255], I: [0, 1], labels: ['', 'folding (det J <= 0)'] };
