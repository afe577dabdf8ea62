// `vlsm segment`: type what you are looking for, get a mask. One image or a folder of images,
// batched, with a progress bar for folders.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import { overlay } from '../../imaging/overlay.js';
import { readRgbImage } from '../../imaging/read-image.js';
import { writeGrayPng, writeRgbPng } from '../../imaging/write-image.js';
import { describeFileKind } from '../../regular-file.js';
import { load } from '../../models/load.js';
import { predictBatch } from '../../models/predict.js';
import { parseResample, RESAMPLES } from '../../models/resample.js';
import { ProgressBar } from '../../progress.js';
import { applyMaxPixels, maxPixelsOption, maxPixelsUsage } from '../image-limit-option.js';
import { placementFrom, placementOptions, placementUsage } from '../placement-options.js';
import { placeForInference } from '../../models/placement.js';

const usage = `usage: vlsm segment --model ID|DIR --image FILE|DIR --prompt "TEXT" [options]

  --model ID|DIR        a checkpoint folder or a HuggingFace id (e.g. CIDAS/clipseg-rd64-refined)
  --family NAME         the model family, when the folder's config does not say
  --image FILE|DIR      an image (PNG, JPEG, TIFF, WebP) or a folder of them
  --prompt TEXT         what to segment, e.g. "a small round polyp"
  --out PATH            mask PNG (one image) or folder (several); default <image>.mask.png / DIR-masks/
  --overlay PATH        also write the mask tinted over the image with its contour (file or folder)
  --threshold P         probability threshold (default: the model's, 0.5 for CLIPSeg)
  --resample MODE       how the logits return to the image's size: ${RESAMPLES.join(', ')}
                        (default: the model family's, as \`vlsm eval\` and \`vlsm serve\`; src/models/resample.ts)
  --logits FILE         also save the logits at the original size (safetensors; one image only)
  --batch N             images per forward pass for folders (default 8)
${placementUsage}
${maxPixelsUsage}
  --revision REV        Hub revision to use; --offline never touches the network`;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp']);

function listImages(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  if (files.length === 0) throw new ConfigError(`--image ${dir}: the folder holds no images (${[...IMAGE_EXTENSIONS].join(', ')})`);
  return files.map((f) => join(dir, f));
}

export async function runSegment(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      family: { type: 'string' },
      image: { type: 'string' },
      prompt: { type: 'string' },
      out: { type: 'string' },
      overlay: { type: 'string' },
      threshold: { type: 'string' },
      resample: { type: 'string' },
      logits: { type: 'string' },
      batch: { type: 'string', default: '8' },
      ...maxPixelsOption,
      ...placementOptions,
      revision: { type: 'string' },
      offline: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.model || !values.image || values.prompt === undefined) {
    console.error(`vlsm segment: --model, --image and --prompt are required\n\n${usage}`);
    return 2;
  }
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new ConfigError(`--threshold must be a probability in [0, 1], got '${values.threshold}'`);
  const resample = values.resample === undefined ? undefined : parseResample(values.resample, '--resample');
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`--batch must be a positive integer, got '${values.batch}'`);
  applyMaxPixels(values['max-pixels']);
  const placement = placementFrom(values);
  if (!existsSync(values.image)) throw new ConfigError(`--image ${values.image}: no such file or folder`);
  const imageStats = statSync(values.image);
  const isFolder = imageStats.isDirectory();
  // Refused before the model loads: a FIFO would block the read, /dev/zero would never end.
  if (!isFolder && !imageStats.isFile()) throw new ConfigError(`--image ${values.image}: it is ${describeFileKind(imageStats)}, not an image file or a folder`);
  const paths = isFolder ? listImages(values.image) : [values.image];
  if (values.logits && paths.length > 1) throw new ConfigError('--logits saves one image\'s logits; give a single --image');

  const model = placeForInference(await load(values.model, { family: values.family, revision: values.revision, offline: values.offline, progress: true }), placement, '--precision');
  if (!model.usesPrompt) console.error(`vlsm segment: ${model.family} is an image-only model; the prompt is ignored`);
  const outDir = isFolder ? values.out ?? `${values.image.replace(/\/+$/, '')}-masks` : undefined;
  if (outDir) await mkdir(outDir, { recursive: true });
  if (isFolder && values.overlay) await mkdir(values.overlay, { recursive: true });
  const bar = isFolder ? new ProgressBar({ label: 'segment', total: paths.length, unit: 'images' }) : undefined;

  for (let start = 0; start < paths.length; start += batchSize) {
    const chunk = paths.slice(start, start + batchSize);
    const images = await Promise.all(chunk.map((p) => readRgbImage(p)));
    const predictions = model.predictBatch(images, chunk.map(() => values.prompt!), { threshold, resample, keepLogits: Boolean(values.logits) });
    for (const [i, path] of chunk.entries()) {
      const stem = basename(path, extname(path));
      const { mask, logits } = predictions[i]!;
      const maskPath = outDir ? join(outDir, `${stem}.png`) : values.out ?? path.replace(/\.[^./]+$/, '') + '.mask.png';
      await writeGrayPng(maskPath, mask);
      if (values.overlay) await writeRgbPng(isFolder ? join(values.overlay, `${stem}.png`) : values.overlay, overlay(images[i]!, mask));
      if (logits && values.logits) {
        torch.io.saveSafetensors(values.logits, { logits }, { prompt: values.prompt!, image: path });
        logits.dispose();
      }
      if (!isFolder) {
        const share = mask.data.reduce((a, v) => a + (v ? 1 : 0), 0) / mask.data.length;
        console.log(`${path}: mask ${mask.width}x${mask.height}, ${(share * 100).toFixed(1)}% of the image -> ${maskPath}`);
      }
    }
    bar?.update(Math.min(paths.length, start + chunk.length));
  }
  bar?.done();
  if (outDir) console.log(`${paths.length} masks written to ${outDir}/`);
  model.dispose();
  return 0;
}
