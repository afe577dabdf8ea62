// The repository stands alone: a clean clone, with nothing beside it, must build and pass its
// tests. So no source, test, benchmark, script or CI file may reach outside the repository for
// fixtures or reference documents, and every document a comment cites must be in docs/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers.js';

const SCANNED = ['src', 'test', 'bench', 'scripts', '.ci', 'native'];
const TEXT = /\.(ts|mts|js|mjs|cjs|json|md|cc|h|py|sh|yaml|yml|html|css)$/;
// Data, not code: the fixtures' own READMEs describe where their numbers came from.
const SKIPPED = new Set([join('test', 'fixtures'), 'node_modules', 'dist']);

function textFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIPPED.has(relative(repoRoot, path)) || SKIPPED.has(name)) return [];
    if (statSync(path).isDirectory()) return textFiles(path);
    return TEXT.test(name) || relative(repoRoot, path) === join('.ci', 'run') ? [path] : [];
  });
}

interface Hit {
  file: string;
  line: number;
  text: string;
  match: string;
}

function findAll(pattern: RegExp, files: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(pattern)) hits.push({ file: relative(repoRoot, file), line: i + 1, text: text.trim(), match: m[0] });
    });
  }
  return hits;
}

const report = (hits: readonly Hit[]): string => hits.map((h) => `  ${h.file}:${h.line}: ${h.match}  (${h.text})`).join('\n');

const files = SCANNED.flatMap((folder) => textFiles(join(repoRoot, folder)));

/** Section numbers ("1", "3.2") of a Markdown file's numbered headings ("## 3. …", "### 3.2 …"). */
function sectionsOf(markdown: string): Set<string> {
  const sections = new Set<string>();
  for (const m of markdown.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)) sections.add(m[1]!);
  return sections;
}

describe('the repository stands alone', () => {
  it('scans the source, test, bench, script and CI folders', () => {
    for (const folder of ['src', 'test', 'bench', 'scripts']) assert.ok(files.some((f) => relative(repoRoot, f).startsWith(folder)), folder);
  });

  it('has no file that refers to the sibling shared folder', () => {
    const shared = `${'..'}/shared`;
    const pattern = new RegExp(
      [
        shared.replace(/\./g, '\\.'),
        ['shared', 'fixtures'].join('/'),
        ['shared', 'reference'].join('/'),
        // the same path spelled as separate path segments, as join() takes them
        `['"]\\.\\.['"],\\s*['"]shared['"]`,
      ].join('|'),
      'g',
    );
    const hits = findAll(pattern, files);
    assert.equal(hits.length, 0, `files refer to ${shared} (copy what they need into the repository):\n${report(hits)}`);
  });

  it('cites only documents that exist in docs/, with sections that exist', () => {
    const hits = findAll(/docs\/([\w-]+\.md)(?: §(\d+(?:\.\d+)*))?/g, files);
    assert.ok(hits.length > 20, `expected the code to cite docs/, found ${hits.length} citations`);
    const missing: Hit[] = [];
    const sectionCache = new Map<string, Set<string> | null>();
    for (const hit of hits) {
      const [, name, section] = /docs\/([\w-]+\.md)(?: §(\d+(?:\.\d+)*))?/.exec(hit.match)!;
      if (!sectionCache.has(name!)) {
        const path = join(repoRoot, 'docs', name!);
        sectionCache.set(name!, existsSync(path) ? sectionsOf(readFileSync(path, 'utf8')) : null);
      }
      const sections = sectionCache.get(name!);
      if (sections === null || (section !== undefined && !sections!.has(section))) missing.push(hit);
    }
    assert.equal(missing.length, 0, `citations of a missing docs/ file or section:\n${report(missing)}`);
  });

  it('cites design notes by their place in docs/, not by the names of documents outside the repository', () => {
    const outside = new RegExp(`\\b(?:${['TRAINING', 'PROMPTS', 'STYLE', 'ARCHITECTURE'].join('|')})\\.md\\b`, 'g');
    const hits = findAll(outside, files);
    assert.equal(hits.length, 0, `citations of documents that are not in the repository (cite docs/… instead):\n${report(hits)}`);
  });

  it('cites only test fixtures that exist', () => {
    const hits = findAll(/test\/fixtures\/[\w.-]+(?:\/[\w.-]+)*/g, files).map((h) => ({ ...h, match: h.match.replace(/[.]+$/, '') }));
    const missing = hits.filter((h) => !existsSync(join(repoRoot, h.match)));
    assert.equal(missing.length, 0, `citations of a missing fixture:\n${report(missing)}`);
  });

  it('cites no issue numbers in comments (say what is meant instead)', () => {
    const hits = findAll(/\b[Ii]ssue #?\d+/g, files);
    assert.equal(hits.length, 0, `comments cite issue numbers:\n${report(hits)}`);
  });
});
