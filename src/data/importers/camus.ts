// CAMUS: per-patient folders `patient<NNNN>/patient<NNNN>_<2CH|4CH>_<ED|ES>[_gt].{mhd,nii.gz}`
// with `Info_2CH.cfg` / `Info_4CH.cfg`, under `training/` and `testing/` (old .mhd release) or
// `database_nifti/` (NIfTI release). As the reference writes them (§6): images as PNG under
// `images/<train|test>/`, one binary mask per label k = 1, 2, 3 under `masks/<train|test>/mask_k/`,
// resampled to 352×352 (masks nearest neighbour). Splits by patient: a `testing/` release is the
// test split and 10% of the training patients go to val; otherwise 80/10/10 of the patients.
import { join } from 'node:path';
import type { GrayImage } from '../../imaging/image-types.js';
import { readMetaImage } from '../../imaging/meta-image.js';
import { readNifti } from '../../imaging/nifti.js';
import { resizeNearest, resizeSmooth } from '../../imaging/resize.js';
import { sliceAsGray, sliceAsLabels, type Volume } from '../../imaging/volume.js';
import { encodeGrayPng } from '../../imaging/write-image.js';
import type { ImportItem, ImportPlan } from './import-common.js';
import { firstDir, isDirectory, listDirs, listFiles, notThisRelease } from './import-common.js';
import { readCamusInfo } from './camus-cfg.js';

export interface CamusOptions {
  /** Output side in pixels (the reference's 352); 0 keeps the original size. */
  readonly size?: number;
}

async function readVolume(path: string): Promise<Volume> {
  return path.endsWith('.mhd') ? readMetaImage(path) : readNifti(path);
}

/** The binary mask (0/255) of label k from a label map. */
export function labelMask(labels: GrayImage, k: number): GrayImage {
  const data = new Uint8Array(labels.data.length);
  for (let i = 0; i < data.length; i++) data[i] = labels.data[i] === k ? 255 : 0;
  return { width: labels.width, height: labels.height, data };
}

export async function planCamus(src: string, options: CamusOptions = {}): Promise<ImportPlan> {
  const size = options.size ?? 352;
  const releases: Array<[dir: string, sub: 'train' | 'test']> = [];
  for (const [name, sub] of [['training', 'train'], ['testing', 'test'], ['database_nifti', 'train']] as const) {
    const dir = await firstDir(src, [name]);
    if (dir !== undefined) releases.push([dir, sub]);
  }
  if (releases.length === 0 && (await listDirs(src)).some((d) => /^patient\d+$/.test(d))) releases.push([src, 'train']);
  const items: ImportItem[] = [];
  const hasTesting = releases.some(([, sub]) => sub === 'test');
  // Decoding is shared by the image and the three label masks of one frame; the entry is dropped
  // after its fourth use so memory stays bounded by the frames in flight.
  const cache = new Map<string, { pending: Promise<{ image: GrayImage; labels: GrayImage }>; uses: number }>();
  for (const [dir, sub] of releases) {
    for (const patient of (await listDirs(dir)).filter((d) => /^patient\d+$/.test(d))) {
      const folder = join(dir, patient);
      const files = new Set(await listFiles(folder));
      for (const view of ['2CH', '4CH']) {
        const cfg = join(folder, `Info_${view}.cfg`);
        if (!files.has(`Info_${view}.cfg`)) continue;
        const info = await readCamusInfo(cfg);
        for (const phase of ['ED', 'ES']) {
          const stem = `${patient}_${view}_${phase}`;
          const ext = files.has(`${stem}.mhd`) ? '.mhd' : files.has(`${stem}.nii.gz`) ? '.nii.gz' : files.has(`${stem}.nii`) ? '.nii' : undefined;
          if (ext === undefined || !files.has(`${stem}_gt${ext}`)) continue;
          const key = `${sub}/${stem}`;
          const load = (): Promise<{ image: GrayImage; labels: GrayImage }> => {
            let slot = cache.get(key);
            if (slot === undefined) {
              const pending = (async () => {
                let image = sliceAsGray(await readVolume(join(folder, `${stem}${ext}`)));
                let labels = sliceAsLabels(await readVolume(join(folder, `${stem}_gt${ext}`)));
                if (size > 0) {
                  image = await resizeSmooth(image, size, size, 1);
                  labels = resizeNearest(labels, size, size);
                }
                return { image, labels };
              })();
              slot = { pending, uses: 0 };
              cache.set(key, slot);
            }
            if (++slot.uses === 4) cache.delete(key);
            return slot.pending;
          };
          for (const k of [1, 2, 3]) {
            items.push({
              imgName: `${sub}/${stem}.png`,
              maskName: `${sub}/mask_${k}/${stem}_gt.png`,
              image: { bytes: async () => encodeGrayPng((await load()).image) },
              mask: { gray: async () => labelMask((await load()).labels, k) },
              group: `${sub}/${patient}`,
              ...(hasTesting && sub === 'test' ? { split: 'test' as const } : {}),
              metadata: { patient, view, phase, label: k, sex: info.sex, age: info.age, quality: info.quality },
            });
          }
        }
      }
    }
  }
  if (items.length === 0 || !(await Promise.all(releases.map(([d]) => isDirectory(d)))).every(Boolean)) {
    throw notThisRelease('CAMUS', src, 'training/ (and testing/) or database_nifti/ holding patient<NNNN>/ folders with patient<NNNN>_<2CH|4CH>_<ED|ES>[_gt].mhd (+ .raw) or .nii.gz and Info_2CH.cfg/Info_4CH.cfg');
  }
  return { format: 'camus', items, ratios: hasTesting ? { val: 0.1, test: 0 } : { val: 0.1, test: 0.1 }, seed: 444, minimalEntries: true };
}
