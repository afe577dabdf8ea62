// CheXlocalize: `gt_annotations_{val,test}.json` (polygons per image id and finding, with
// img_size [H, W]) or `gt_segmentations_{val,test}.json` (COCO RLE), the CheXpert images
// `CheXpert/{val,test}/patient<P>/study<S>/view<V>_<frontal|lateral>.jpg`, and the CheXpert label
// CSVs (`{val,test}_labels.csv`, a Path column and the 14 observation columns). One mask per
// (image, finding) with a non-empty annotation, named `<image id>_<finding suffix>.png`; images
// resized so the shorter side is 512 (the reference's resize), masks by nearest neighbour. The
// present pathologies (label 1) go into each entry's metadata. Splits by patient, seed 42,
// val 0.2 and test 0.2 (§5).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../../errors.js';
import { describeJsonError } from '../../json-error.js';
import { imageLimits } from '../../imaging/image-limits.js';
import type { GrayImage } from '../../imaging/image-types.js';
import { readImageBytes, readImageSize } from '../../imaging/read-image.js';
import { resizeNearest } from '../../imaging/resize.js';
import { CHEXLOCALIZE_FINDINGS, CHEXPERT_OBSERVATIONS, findingSuffix } from '../chexpert-names.js';
import { decodeRleCounts, rleToMask } from './coco-rle.js';
import type { ImportItem, ImportPlan } from './import-common.js';
import { notThisRelease } from './import-common.js';
import { fillPolygons } from './polygon-fill.js';

export interface ChexlocalizeOptions {
  /** Shorter output side (the reference's 512); 0 keeps the original size. */
  readonly shortSide?: number;
}

async function firstFile(src: string, candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    const path = join(src, candidate);
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
  }
  return undefined;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`${path}: cannot read JSON file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, path, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${path}: malformed JSON (${describeJsonError(error, text)})`, path);
  }
}

/** Splits one CSV line, honouring double quotes. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(field); field = ''; }
    else field += c;
  }
  out.push(field);
  return out;
}

/** `…/patient64541/study1/view1_frontal.jpg` → `patient64541_study1_view1_frontal`. */
export function imageIdOfPath(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/').filter(Boolean);
  const last = parts.slice(-3);
  last[2] = last[2]!.replace(/\.[^.]+$/, '');
  return last.join('_');
}

/** Present CheXpert observations (label 1) per image id, from a labels CSV. */
export async function readChexpertLabels(path: string): Promise<Map<string, string[]>> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = parseCsvLine(lines[0] ?? '');
  const pathColumn = header.findIndex((h) => h === 'Path' || h === 'Study');
  if (pathColumn < 0) throw new DatasetError(`${path}: labels CSV has no "Path" column; its columns are ${header.join(', ')}`, path);
  const columns = CHEXPERT_OBSERVATIONS.map((name) => [name, header.indexOf(name)] as const).filter(([, i]) => i >= 0);
  const out = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    const present = columns.filter(([, i]) => Number(cells[i]) === 1).map(([name]) => name);
    out.set(imageIdOfPath(cells[pathColumn]!), present);
  }
  return out;
}

type Polygon = ReadonlyArray<readonly [number, number]>;

export async function planChexlocalize(src: string, options: ChexlocalizeOptions = {}): Promise<ImportPlan> {
  const shortSide = options.shortSide ?? 512;
  const items: ImportItem[] = [];
  const knownNames = new Map(CHEXLOCALIZE_FINDINGS.map(([suffix, name]) => [name, suffix]));
  for (const split of ['val', 'test']) {
    const polygonsFile = await firstFile(src, [`gt_annotations_${split}.json`, `CheXlocalize/gt_annotations_${split}.json`]);
    const rleFile = await firstFile(src, [`gt_segmentations_${split}.json`, `CheXlocalize/gt_segmentations_${split}.json`]);
    const annotationsFile = polygonsFile ?? rleFile;
    if (annotationsFile === undefined) continue;
    const annotations = (await readJson(annotationsFile)) as Record<string, Record<string, unknown>>;
    if (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations)) {
      throw new DatasetError(`${annotationsFile}: expected an object keyed by image id`, annotationsFile);
    }
    const labelsFile = await firstFile(src, [`CheXpert/${split}_labels.csv`, `${split}_labels.csv`, `CheXlocalize/${split}_labels.csv`, `CheXpert/${split === 'val' ? 'valid' : split}.csv`]);
    const labels = labelsFile === undefined ? new Map<string, string[]>() : await readChexpertLabels(labelsFile);
    for (const [id, findings] of Object.entries(annotations)) {
      const match = /^(patient\d+)_(study\d+)_(view\d+_(frontal|lateral))$/.exec(id);
      if (match === null) throw new DatasetError(`${annotationsFile}: image id "${id}" is not patient<P>_study<S>_view<V>_<frontal|lateral>`, annotationsFile);
      const imagePath = (await firstFile(src, [
        `CheXpert/${split}/${match[1]}/${match[2]}/${match[3]}.jpg`,
        `${split}/${match[1]}/${match[2]}/${match[3]}.jpg`,
        `CheXpert/${split === 'val' ? 'valid' : split}/${match[1]}/${match[2]}/${match[3]}.jpg`,
      ]));
      if (imagePath === undefined) throw new DatasetError(`${annotationsFile}: no image for ${id} (looked for CheXpert/${split}/${match[1]}/${match[2]}/${match[3]}.jpg)`, annotationsFile);
      const { width, height } = await readImageSize(imagePath);
      const scale = shortSide > 0 ? shortSide / Math.min(width, height) : 1;
      const outWidth = Math.round(width * scale), outHeight = Math.round(height * scale);
      const pathologies = labels.get(id);
      for (const [name, value] of Object.entries(findings)) {
        if (name === 'img_size') continue;
        let build: () => GrayImage;
        if (annotationsFile === polygonsFile) {
          const polygons = value as Polygon[];
          if (!Array.isArray(polygons) || polygons.every((polygon) => !Array.isArray(polygon) || polygon.length === 0)) continue;
          const size = findings['img_size'] as [number, number] | undefined;
          const [h, w] = size ?? [height, width];
          build = () => fillPolygons(polygons, w, h);
        } else {
          const rle = value as { size: number[]; counts: string | number[] };
          if (rle === null || typeof rle !== 'object' || !Array.isArray(rle.size)) continue;
          // Absent findings are stored as all-background RLE: no foreground run, no entry.
          const counts = typeof rle.counts === 'string' ? decodeRleCounts(rle.counts, `${annotationsFile}: ${id} ${name}`) : rle.counts;
          if (!counts.some((run, i) => i % 2 === 1 && run > 0)) continue;
          build = () => rleToMask(rle, `${annotationsFile}: ${id} ${name}`);
        }
        const suffix = knownNames.get(name) ?? findingSuffix(name);
        items.push({
          imgName: `${id}.jpg`,
          maskName: `${id}_${suffix}.png`,
          image: scale === 1 ? { copyFrom: imagePath } : { bytes: async () => sharp(await readImageBytes(imagePath), { limitInputPixels: imageLimits().maxPixels }).resize(outWidth, outHeight, { fit: 'fill' }).jpeg({ quality: 95 }).toBuffer() },
          mask: {
            gray: async () => {
              const mask = build();
              return mask.width === outWidth && mask.height === outHeight ? mask : resizeNearest(mask, outWidth, outHeight);
            },
          },
          group: match[1]!,
          metadata: { finding: name, view: match[4]!, patient: match[1]!, ...(pathologies === undefined ? {} : { pathologies }) },
        });
      }
    }
  }
  if (items.length === 0) {
    throw notThisRelease('CheXlocalize', src, 'gt_annotations_{val,test}.json or gt_segmentations_{val,test}.json with the CheXpert images under CheXpert/{val,test}/patient<P>/study<S>/view<V>_<frontal|lateral>.jpg');
  }
  return { format: 'chexlocalize', items, ratios: { val: 0.2, test: 0.2 }, seed: 42 };
}
