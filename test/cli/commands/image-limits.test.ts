// The CLI's image promises: `segment --help` lists only formats the bundled decoder reads, and the
// commands that read images take --max-pixels (here `data check`, which needs no model).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runData } from '../../../src/cli/commands/data.js';
import { runSegment } from '../../../src/cli/commands/segment.js';
import { ConfigError } from '../../../src/errors.js';
import { DEFAULT_IMAGE_LIMITS, imageLimits, setImageLimits } from '../../../src/imaging/image-limits.js';
import { grayWith, writeGray, writePicture, writeText } from '../../data/fixtures.js';
import { repoRoot } from '../../helpers.js';
import { makeFifo, releaseFifo, within } from '../../imaging/hostile-files.js';

describe('CLI image limits and formats', () => {
  it('segment --help lists the formats sharp decodes here, and no BMP', () => {
    const help = execFileSync(process.execPath, [join(repoRoot, 'bin', 'vlsm.js'), 'segment', '--help'], { encoding: 'utf8' });
    assert.match(help, /an image \(PNG, JPEG, TIFF, WebP\) or a folder of them/);
    assert.doesNotMatch(help, /BMP/i);
    assert.match(help, /--max-pixels N\s+largest image read, in pixels \(width x height; default 40000000\)/);
  });

  it('segment refuses /dev/zero and a FIFO as --image before loading any model', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'vlsm-cli-fifo-')), 'pipe.png');
    makeFifo(fifo);
    try {
      for (const [image, kind] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO (named pipe)']]) {
        await assert.rejects(within(3_000, `segment --image ${image}`, runSegment(['--model', 'no/such-model', '--offline', '--image', image!, '--prompt', 'x'])), {
          name: 'ConfigError',
          message: `--image ${image}: it is ${kind}, not an image file or a folder`,
        });
      }
    } finally {
      releaseFifo(fifo);
    }
  });

  it('data check --max-pixels refuses images over the limit and is validated', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vlsm-cli-limits-'));
    await writePicture(join(root, 'images', 'a.png'), 10, 8, 1);
    await writeGray(join(root, 'masks', 'a.png'), grayWith(10, 8, [[1, 1, 4, 4]]));
    await writeText(join(root, 'anns', 'test.json'), JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png' }]));
    try {
      assert.equal(await runData(['check', root]), 0);
      assert.equal(await runData(['check', root, '--max-pixels', '79']), 1);
      assert.equal(imageLimits().maxPixels, 79);
      assert.equal(await runData(['check', root, '--max-pixels', '80']), 0);
      await assert.rejects(runData(['check', root, '--max-pixels', 'lots']), (error: unknown) => error instanceof ConfigError && /--max-pixels must be a positive integer, got 'lots'/.test(error.message));
    } finally {
      setImageLimits(DEFAULT_IMAGE_LIMITS);
    }
  });
});
