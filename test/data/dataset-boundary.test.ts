// A dataset root is a boundary: images, masks and annotation files that are symlinks leading
// outside it are refused (by `data check` and by every reader: eval, finetune, prompts), a FIFO
// as an annotation file does not block, and no error quotes the bytes of a file it read.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAnnotations, readAnnotationFile } from '../../src/data/annotation-file.js';
import { checkDataset } from '../../src/data/dataset-check.js';
import { resolveInsideRoot } from '../../src/data/inside-root.js';
import { readReferenceDataset } from '../../src/data/reference-layout.js';
import { DatasetError } from '../../src/errors.js';
import { makeFifo, releaseFifo, within } from '../imaging/hostile-files.js';
import { grayWith, writeGray, writePicture, writeText } from './fixtures.js';

let dir: string;
let outside: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlsm-boundary-'));
  outside = join(dir, 'outside');
  await writePicture(join(outside, 'secret.png'), 6, 4, 3);
  await writeGray(join(outside, 'secret-mask.png'), grayWith(6, 4, [[0, 0, 3, 3]]));
  await writeText(join(outside, 'secret.json'), JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png' }]));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** A clean one-entry dataset in the reference layout; `edit` then plants a symlink in it. */
async function dataset(name: string, edit: (root: string) => Promise<void> = async () => {}): Promise<string> {
  const root = join(dir, name);
  await writePicture(join(root, 'images', 'a.png'), 6, 4, 1);
  await writeGray(join(root, 'masks', 'a.png'), grayWith(6, 4, [[1, 1, 3, 3]]));
  await writeText(join(root, 'anns', 'test.json'), JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png' }]));
  await edit(root);
  return root;
}

const replaceWithLink = async (path: string, target: string): Promise<void> => {
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
};

const escapes = (root: string): RegExp => new RegExp(`outside the dataset root ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

describe('a dataset root is a boundary', () => {
  it('refuses an image, a mask or a sub-folder that is a symlink leading outside the root', async () => {
    const cases: [string, (root: string) => Promise<void>][] = [
      ['image-link', (root) => replaceWithLink(join(root, 'images', 'a.png'), join(outside, 'secret.png'))],
      ['mask-link', (root) => replaceWithLink(join(root, 'masks', 'a.png'), join(outside, 'secret-mask.png'))],
      ['folder-link', (root) => replaceWithLink(join(root, 'images'), outside).then(() => symlink(join(outside, 'secret.png'), join(outside, 'a.png')))],
    ];
    for (const [name, plant] of cases) {
      const root = await dataset(name, plant);
      await assert.rejects(readReferenceDataset(root), (error: unknown) => {
        assert.ok(error instanceof DatasetError, name);
        assert.match(error.message, escapes(root), name);
        assert.equal(error.file, join(root, 'anns', 'test.json'), name);
        return true;
      });
      const report = await checkDataset(root);
      assert.deepEqual(report.issues.map((i) => i.code), ['path-escape'], `${name}: ${JSON.stringify(report.issues)}`);
      assert.equal(report.records, 0, name);
      await rm(join(outside, 'a.png'), { force: true });
    }
  });

  it('refuses an annotation file that is a symlink leading outside the root', async () => {
    const root = await dataset('anns-link', (r) => replaceWithLink(join(r, 'anns', 'test.json'), join(outside, 'secret.json')));
    await assert.rejects(readReferenceDataset(root), { name: 'DatasetError', message: escapes(root) });
    const report = await checkDataset(root);
    assert.deepEqual(report.issues.map((i) => [i.code, i.file]), [['path-escape', join(root, 'anns', 'test.json')]]);
  });

  it('follows symlinks that stay inside the root, and a root that is itself a symlink', async () => {
    const root = await dataset('inside-link', async (r) => {
      await writePicture(join(r, 'shared', 'b.png'), 6, 4, 2);
      await replaceWithLink(join(r, 'images', 'a.png'), join(r, 'shared', 'b.png'));
    });
    assert.equal((await readReferenceDataset(root)).records.length, 1);
    assert.deepEqual((await checkDataset(root)).issues, []);
    const alias = join(dir, 'alias');
    await symlink(root, alias);
    assert.deepEqual((await readReferenceDataset(alias)).records.map((r) => r.imagePath), [join(alias, 'images', 'a.png')]);
  });

  it('still refuses lexical escapes and accepts names of files that do not exist yet', () => {
    assert.throws(() => resolveInsideRoot(join(dir, 'x', 'images'), '../../outside/secret.png', 'entry 0: image path', undefined, join(dir, 'x')), /escapes the dataset root/);
    assert.equal(resolveInsideRoot(join(dir, 'new', 'images'), 'sub/a.png', 'x', undefined, join(dir, 'new')), join(dir, 'new', 'images', 'sub', 'a.png'));
  });

  it('refuses a FIFO as an annotation file or an image without blocking', async () => {
    const root = await dataset('anns-fifo', async (r) => {
      await rm(join(r, 'anns', 'test.json'));
      makeFifo(join(r, 'anns', 'test.json'));
    });
    const file = join(root, 'anns', 'test.json');
    try {
      await assert.rejects(within(3_000, 'a FIFO annotation file', readReferenceDataset(root)), { name: 'DatasetError', message: `${file}: cannot read annotation file: it is a FIFO (named pipe), not a regular file` });
      const report = await within(3_000, 'data check of a FIFO', checkDataset(root));
      assert.deepEqual(report.issues.map((i) => i.code), ['bad-annotations']);
    } finally {
      releaseFifo(file);
    }
    const imageRoot = await dataset('image-fifo', async (r) => {
      await rm(join(r, 'images', 'a.png'));
      makeFifo(join(r, 'images', 'a.png'));
    });
    try {
      const report = await within(3_000, 'data check of a FIFO image', checkDataset(imageRoot));
      assert.deepEqual(report.issues.map((i) => i.code), ['unreadable-image']);
      assert.match(report.issues[0]!.message, /a\.png: cannot read image file: it is a FIFO/);
    } finally {
      releaseFifo(join(imageRoot, 'images', 'a.png'));
    }
  });
});

describe('annotation errors quote no file contents', () => {
  it('describes malformed JSON by position, never by the text it read', async () => {
    const root = join(dir, 'leaky');
    await mkdir(join(root, 'anns'), { recursive: true });
    const cases: [string, RegExp][] = [
      ['root:x:0:0:SECRET-PASSWORD-HASH', /malformed JSON \(unexpected character\)$/],
      ['[{"img_name": "a.png"}] SECRET', /malformed JSON \(Unexpected non-whitespace character after JSON at line 1, column 25\)$/],
      ['[\n  {"img_name": SECRET}]', /malformed JSON \(unexpected character\)$/],
      ['["SECRET', /malformed JSON \(Unterminated string at line 1, column 9\)$/],
      ['', /malformed JSON \(the text is empty\)$/],
    ];
    for (const [text, pattern] of cases) {
      const file = join(root, 'anns', 'train.json');
      await writeFile(file, text);
      await assert.rejects(readAnnotationFile(file), (error: unknown) => {
        assert.ok(error instanceof DatasetError);
        assert.ok(error.message.startsWith(`${file}: `), error.message);
        assert.ok(!error.message.includes('SECRET'), `the message quotes the file: ${error.message}`);
        assert.match(error.message, pattern);
        return true;
      });
    }
  });

  it('names the file, the entry and the field of a schema error', () => {
    assert.throws(() => parseAnnotations(JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png' }, { img_name: 3, mask_name: 'b.png', prompts: { p1: 7 } }]), 'anns/val.json'), {
      name: 'DatasetError',
      message: 'anns/val.json: entry 1 field img_name: Expected string, received number; entry 1 field prompts.p1: expected a string or a list of strings',
    });
  });
});
