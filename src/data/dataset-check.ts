// `vlsm data check`: missing files, image/mask size mismatches, non-binary and empty masks,
// duplicate images (content hash) and leakage across splits. The reference's own files have such
// problems (docs/prompts.md §5), so every problem is collected and reported, not thrown.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VlsmError } from '../errors.js';
import { decodeGrayImage, readImageBytes, readImageSize } from '../imaging/read-image.js';
import { readAnnotationFile } from './annotation-file.js';
import { checkRealPathInsideRoot } from './inside-root.js';
import type { DatasetRecord } from './record.js';
import { SPLITS } from './record.js';
import { annotationPath, entryToRecord, pairImagesAndMasks } from './reference-layout.js';

export type CheckCode =
  | 'bad-annotations' | 'path-escape' | 'missing-file' | 'unreadable-image' | 'size-mismatch'
  | 'non-binary-mask' | 'empty-mask' | 'duplicate-entry' | 'duplicate-image' | 'leakage';

export interface CheckIssue {
  readonly severity: 'error' | 'warning';
  readonly code: CheckCode;
  readonly file: string | undefined;
  readonly message: string;
}

export interface CheckReport {
  readonly root: string;
  readonly records: number;
  readonly issues: readonly CheckIssue[];
  readonly errors: number;
  readonly warnings: number;
}

/** Whether anything is at `path`; a FIFO or folder where a file belongs is reported when read. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Checks a dataset in the reference layout; never throws for problems in the data. */
export async function checkDataset(root: string): Promise<CheckReport> {
  const issues: CheckIssue[] = [];
  const add = (severity: CheckIssue['severity'], code: CheckCode, file: string | undefined, message: string): void => {
    issues.push({ severity, code, file, message });
  };
  const records: DatasetRecord[] = [];
  const where = new Map<DatasetRecord, string>();
  if (await stat(join(root, 'anns')).then(() => true, () => false)) {
    for (const split of SPLITS) {
      const file = annotationPath(root, split);
      if (!(await exists(file))) continue;
      let entries;
      try {
        checkRealPathInsideRoot(root, file, 'annotation file', file);
      } catch (error) {
        add('error', 'path-escape', file, (error as Error).message);
        continue;
      }
      try {
        entries = await readAnnotationFile(file);
      } catch (error) {
        add('error', 'bad-annotations', file, (error as Error).message);
        continue;
      }
      const seen = new Map<string, number>();
      entries.forEach((entry, i) => {
        const label = `${file}, entry ${i}`;
        const key = `${entry.img_name}\u0000${entry.mask_name}`;
        const before = seen.get(key);
        if (before !== undefined) add('warning', 'duplicate-entry', file, `${label}: repeats entry ${before} (${entry.img_name}, ${entry.mask_name})`);
        else seen.set(key, i);
        try {
          const record = entryToRecord(root, entry, split, label, file);
          records.push(record);
          where.set(record, label);
        } catch (error) {
          add('error', 'path-escape', file, (error as Error).message);
        }
      });
    }
  } else {
    try {
      for (const record of await pairImagesAndMasks(root)) {
        records.push(record);
        where.set(record, record.maskPaths[0]!);
      }
    } catch (error) {
      if (!(error instanceof VlsmError)) throw error;
      add('error', 'missing-file', (error as { file?: string }).file, error.message);
    }
  }

  const imageHashes = new Map<string, { record: DatasetRecord; hash: string }>();
  for (const record of records) {
    const label = where.get(record)!;
    const maskPath = record.maskPaths[0]!;
    const imageOk = await exists(record.imagePath);
    const maskOk = await exists(maskPath);
    if (!imageOk) add('error', 'missing-file', record.imagePath, `${label}: image ${record.imagePath} does not exist`);
    if (!maskOk) add('error', 'missing-file', maskPath, `${label}: mask ${maskPath} does not exist`);
    if (!imageOk || !maskOk) continue;
    let imageSize;
    try {
      imageSize = await readImageSize(record.imagePath);
      if (!imageHashes.has(record.imagePath)) {
        const hash = createHash('sha256').update(await readImageBytes(record.imagePath)).digest('hex');
        imageHashes.set(record.imagePath, { record, hash });
      }
    } catch (error) {
      add('error', 'unreadable-image', record.imagePath, `${label}: ${(error as Error).message}`);
      continue;
    }
    let mask;
    try {
      mask = await decodeGrayImage(await readImageBytes(maskPath), maskPath);
    } catch (error) {
      add('error', 'unreadable-image', maskPath, `${label}: ${(error as Error).message}`);
      continue;
    }
    if (mask.width !== imageSize.width || mask.height !== imageSize.height) {
      add('error', 'size-mismatch', maskPath, `${label}: mask is ${mask.width}×${mask.height} but image ${record.imagePath} is ${imageSize.width}×${imageSize.height}`);
    }
    let other = 0, foreground = 0;
    for (const v of mask.data) {
      if (v !== 0 && v !== 255) other++;
      if (v >= 128) foreground++;
    }
    if (other > 0) add('warning', 'non-binary-mask', maskPath, `${label}: mask has ${other} pixels that are neither 0 nor 255 (expected a 0/255 mask)`);
    if (foreground === 0) add('warning', 'empty-mask', maskPath, `${label}: mask has no foreground pixel (≥ 128)`);
  }

  // Duplicate images by content: within a split a warning, across splits leakage (an error).
  const byHash = new Map<string, DatasetRecord[]>();
  for (const { record, hash } of imageHashes.values()) byHash.set(hash, [...(byHash.get(hash) ?? []), record]);
  for (const group of byHash.values()) {
    if (group.length < 2) continue;
    const splits = new Set(group.map((r) => r.split ?? 'all'));
    const names = group.map((r) => `${r.imagePath} (${r.split ?? 'no split'})`).join(', ');
    if (splits.size > 1) add('error', 'leakage', group[0]!.imagePath, `the same image content appears in splits ${[...splits].join(' and ')}: ${names}`);
    else add('warning', 'duplicate-image', group[0]!.imagePath, `identical image content under ${group.length} names: ${names}`);
  }
  // The same image name in two splits (its content counted once above) is leakage too.
  const splitsByImage = new Map<string, Set<string>>();
  for (const record of records) splitsByImage.set(record.imagePath, (splitsByImage.get(record.imagePath) ?? new Set()).add(record.split ?? 'all'));
  for (const [image, splits] of splitsByImage) {
    if (splits.size > 1) add('error', 'leakage', image, `image ${image} is listed in splits ${[...splits].join(' and ')}`);
  }

  const errors = issues.filter((i) => i.severity === 'error').length;
  return { root, records: records.length, issues, errors, warnings: issues.length - errors };
}

/** One line per issue, then a summary line. */
export function formatCheckReport(report: CheckReport): string {
  const lines = report.issues.map((i) => `${i.severity.padEnd(7)} ${i.code.padEnd(16)} ${i.message}`);
  lines.push(`${report.root}: ${report.records} entries checked, ${report.errors} error(s), ${report.warnings} warning(s)`);
  return lines.join('\n');
}
