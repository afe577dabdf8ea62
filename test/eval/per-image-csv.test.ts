// The per-image CSV of old:scripts/eval_metrics.py, written atomically.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { itemMetrics } from '../../src/eval/metrics.js';
import { formatPerImageCsv, writeFileAtomic, writePerImageCsv } from '../../src/eval/per-image-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-per-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const gt = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);
const rows = [
  { filename: 'b.png', metrics: itemMetrics(new Uint8Array([0, 255, 255, 0, 0, 0, 0, 0]), gt) },
  { filename: 'a.png', metrics: itemMetrics(new Uint8Array(8), new Uint8Array(8)) },
];

describe('per-image metrics CSV', () => {
  it("has the reference's columns, ×100 with 4 decimals, sorted by file name", () => {
    // b.png: Dice 2·2/6, IoU 2/4, all-ones Dice 2·4/12, all-zeros Dice 0; a.png: empty on empty.
    assert.equal(
      formatPerImageCsv(rows),
      'filename,iou,dice,ones_dice_diff,zeros_dice_diff\n' + 'a.png,100.0000,100.0000,100.0000,0.0000\n' + 'b.png,50.0000,66.6667,0.0000,66.6667\n',
    );
  });

  it('adds the pixel counts on request', () => {
    const text = formatPerImageCsv(rows, { counts: true });
    assert.equal(text.split('\n')[0], 'filename,iou,dice,ones_dice_diff,zeros_dice_diff,gt_pixels,pred_pixels,intersection,pixels');
    assert.equal(text.split('\n')[2], 'b.png,50.0000,66.6667,0.0000,66.6667,4,2,2,8');
  });

  it('replaces an existing file whole and leaves no temp file behind', () => {
    const path = join(dir, 'metrics.csv');
    writeFileSync(path, 'old contents');
    writePerImageCsv(path, rows);
    assert.equal(readFileSync(path, 'utf8'), formatPerImageCsv(rows));
    assert.deepEqual(readdirSync(dir), ['metrics.csv']);
  });

  it('keeps the old file and names the path when the write fails', () => {
    const path = join(dir, 'keep.csv');
    writeFileSync(path, 'old');
    // The temp file's folder is the target's; a target that is a folder cannot be renamed over.
    const folder = join(dir, 'a-folder');
    writeFileAtomic(join(folder, 'x'), 'x');
    assert.throws(() => writeFileAtomic(folder, 'new'), { message: new RegExp(`^writing ${folder}: `) });
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });
});
