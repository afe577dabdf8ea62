// Properties of the annotation-file parser: any JSON value, any entry-shaped object and any text
// either validates or throws a DatasetError naming the file; a parse error never quotes the text.
// Seeded and bounded (seeds 1203-1205, 200-400 runs each).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAnnotations } from '../../src/data/annotation-file.js';
import { DatasetError } from '../../src/errors.js';

const FILE = 'data/fuzz/anns/train.json';

/** Validates `text`, or checks the error is a DatasetError for FILE; returns the message or undefined. */
function validatesOrNamesFile(text: string): string | undefined {
  try {
    const entries = parseAnnotations(text, FILE);
    assert.ok(Array.isArray(entries));
    for (const entry of entries) {
      assert.equal(typeof entry.img_name, 'string');
      assert.equal(typeof entry.mask_name, 'string');
      assert.ok(entry.img_name.length > 0 && entry.mask_name.length > 0);
    }
    return undefined;
  } catch (error) {
    assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${(error as Error).name}: ${(error as Error).message}`);
    assert.equal(error.file, FILE);
    assert.ok(error.message.startsWith(`${FILE}: `), error.message);
    return error.message;
  }
}

/** Objects with the schema's keys (each maybe present, of any JSON type) plus arbitrary ones. */
const entryLike = fc.record(
  {
    img_name: fc.oneof(fc.string(), fc.jsonValue()),
    mask_name: fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue()),
    prompts: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('p0', 'p1', 'p9'), fc.string()), fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue())), fc.jsonValue()),
    bbox: fc.oneof(fc.array(fc.double(), { minLength: 3, maxLength: 5 }), fc.jsonValue()),
    metadata: fc.jsonValue(),
    proto_key: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('annotation files under arbitrary input (fast-check)', () => {
  it('any JSON value validates or names the file (seed 1203, 400 runs)', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => void validatesOrNamesFile(JSON.stringify(value) ?? 'null')), { seed: 1203, numRuns: 400 });
  });

  it('lists of entry-shaped objects validate or name the file and the entry (seed 1204, 200 runs)', () => {
    fc.assert(
      fc.property(fc.array(entryLike, { maxLength: 3 }), (entries) => {
        // A "__proto__" key in the text is an own property after JSON.parse; it must stay inert.
        const message = validatesOrNamesFile(JSON.stringify(entries).replaceAll('"proto_key":', '"__proto__":'));
        if (message !== undefined) assert.match(message, /: entry \d+/);
        assert.deepEqual(Object.keys(Object.prototype), []);
      }),
      { seed: 1204, numRuns: 200 },
    );
  });

  it('arbitrary text around a secret never has the secret quoted back (seed 1205, 400 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (before, after) => {
        const message = validatesOrNamesFile(`${before}SECRET${after}`);
        if (message !== undefined) assert.ok(!message.includes('SECRET'), message);
      }),
      { seed: 1205, numRuns: 400 },
    );
  });
});
