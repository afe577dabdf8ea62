// Suite files: YAML (or JSON) validated with zod like run configs. Unknown fields are errors naming
// the field, and every error names the file and, where the YAML tells, the line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { PREDEFINED_POOLS } from '../../data/pooled-dataset.js';
import { ConfigError } from '../../errors.js';
import { packageRoot } from '../../package-root.js';
import { FAMILIES } from '../../prompts/families.js';
import { RUN_SETTINGS } from '../results/index.js';
import { FAMILY_PROMPTS, PAPER_DATASETS } from './paper-datasets.js';
import { SUITE_KINDS, type SuiteFile } from './types.js';

const promptType = z.string().regex(/^(p\d+|random)$/, 'a prompt type p0, p1, … or random');
const recipeName = z.enum(['paper', 'published', 'released']);

const modelSpec = z.union([
  z.string().min(1),
  z.object({
    family: z.string(),
    scratch: z.record(z.string(), z.unknown()).optional(),
    input_size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  }).strict(),
  z.object({ path: z.string(), family: z.string().optional() }).strict(),
]);

const datasetRef = z.union([z.string().min(1), z.object({ pool: z.string() }).strict()]);

const blockSchema = z.object({
  models: z.array(z.string()).nonempty(),
  datasets: z.array(datasetRef).nonempty(),
  prompts: z.union([z.literal('family'), z.array(promptType).nonempty()]).default('family'),
  recipes: z.array(recipeName).nonempty().default(['published']),
  precision: z.array(z.enum(['fp32', 'bf16', 'fp16'])).nonempty().default(['fp32']),
  frozen: z.array(z.enum(['recipe', 'encoders', 'none'])).nonempty().default(['recipe']),
  seeds: z.array(z.number().int().nonnegative().nullable()).nonempty().default([null]),
  test_datasets: z.array(z.string()).default([]),
  train: z.record(z.string(), z.unknown()).default({}),
  attributes: z.array(z.string()).nonempty().optional(),
  modes: z.array(z.string()).nonempty().optional(),
}).strict();

const matchFields = {
  model: z.string().optional(),
  family: z.string().optional(),
  dataset: z.string().optional(),
  prompt: z.string().optional(),
  setting: z.enum(RUN_SETTINGS as [string, ...string[]]).optional(),
  recipe: z.string().optional(),
  precision: z.string().optional(),
  frozen: z.string().optional(),
};

const suiteSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"').optional(),
  description: z.string().optional(),
  kind: z.enum(SUITE_KINDS as [string, ...string[]]),
  models: z.record(z.string(), modelSpec),
  datasets: z.record(z.string(), z.object({
    family: z.enum(FAMILIES),
    make: z.union([
      z.object({ synthetic: z.object({ images: z.number().int().min(20), seed: z.number().int().nonnegative(), size: z.number().int().min(48) }).strict() }).strict(),
      z.object({ busi_sample: z.literal(true) }).strict(),
    ]).optional(),
  }).strict()).default({}),
  grid: z.union([blockSchema, z.array(blockSchema).nonempty()]),
  overrides: z.array(z.object({
    ...matchFields,
    train: z.record(z.string(), z.unknown()).optional(),
    test_datasets: z.array(z.string()).optional(),
    write_masks: z.boolean().optional(),
  }).strict()).default([]),
  exclude: z.array(z.object(matchFields).strict()).default([]),
  /** Also checkpoint every this many steps (fine-tunes), so a kill loses little. */
  checkpoint_every: z.number().int().positive().optional(),
}).strict();

export type ValidatedSuite = SuiteFile & { checkpoint_every?: number };

/** The folder of the suites shipped with vlsm. */
export const bundledSuitesDir = (): string => join(packageRoot(), 'suites');

/** A bundled suite's name ("paper-finetune") or a file path → the file. */
export function suiteFilePath(nameOrPath: string): string {
  if (/^[A-Za-z0-9._-]+$/.test(nameOrPath) && !existsSync(nameOrPath)) {
    const bundled = join(bundledSuitesDir(), `${nameOrPath}.yaml`);
    if (existsSync(bundled)) return bundled;
    throw new ConfigError(`${nameOrPath}: no such suite file, and not a bundled suite (bundled: ${bundledSuiteNames().join(', ')})`, nameOrPath);
  }
  return nameOrPath;
}

export function bundledSuiteNames(): string[] {
  try {
    return readdirSync(bundledSuitesDir()).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

/** Reads and validates a suite file (a bundled suite's name, or a path). */
export function readSuiteFile(nameOrPath: string): ValidatedSuite {
  const file = suiteFilePath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`${file}: cannot read the suite file (${(cause as Error).message})`, file, undefined, { cause });
  }
  return parseSuiteText(text, file);
}

/** Validates a suite's text; `file` names it in errors (its stem is the default suite name). */
export function parseSuiteText(text: string, file: string): ValidatedSuite {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = lines.linePos(e.pos[0]);
    throw new ConfigError(`${file}:${at.line}: not valid YAML (${e.message.split('\n')[0]})`, file);
  }
  const value: unknown = doc.toJS();
  if (!isMap(doc.contents)) throw new ConfigError(`${file}: a suite file must be a mapping of fields (name, kind, models, grid …)`, file);
  const where = (path: readonly (string | number)[]): string => {
    const line = lineOf(doc, lines, path);
    return line === undefined ? file : `${file}:${line}`;
  };
  const result = suiteSchema.safeParse(value);
  if (!result.success) {
    const issue = specificIssue(result.error.issues[0]!);
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const at = path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((k) => (at ? `${at}.${k}` : k));
      const known = knownFieldsAt(path);
      throw new ConfigError(`${where([...path, issue.keys[0]!])}: unknown field ${names.map((n) => `'${n}'`).join(', ')}${known ? `; known fields here: ${known}` : ''}`, file, names[0]);
    }
    throw new ConfigError(`${where(path)}: field '${at || '(top level)'}': ${describeIssue(issue)}`, file, at);
  }
  const parsed = result.data;
  const suite: ValidatedSuite = {
    ...parsed,
    name: parsed.name ?? basename(file, extname(file)),
    kind: parsed.kind as SuiteFile['kind'],
    grid: Array.isArray(parsed.grid) ? parsed.grid : [parsed.grid],
  } as ValidatedSuite;
  checkReferences(suite, Array.isArray(parsed.grid), where, file);
  return suite;
}

/** Inside a union (a block or a list of blocks; a name or a pool), the issue of the branch that got furthest. */
function specificIssue(issue: z.ZodIssue): z.ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const candidates = issue.unionErrors.flatMap((e) => e.issues).map(specificIssue);
  const deepest = candidates.reduce<z.ZodIssue | undefined>((best, c) => (best === undefined || c.path.length > best.path.length ? c : best), undefined);
  return deepest !== undefined && deepest.path.length > issue.path.length ? deepest : issue;
}

function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'invalid_union') return 'not one of the accepted forms (see the bundled suites under suites/)';
  return issue.message;
}

function knownFieldsAt(path: readonly (string | number)[]): string | undefined {
  const top = Object.keys(suiteSchema.shape);
  if (path.length === 0) return top.join(', ');
  if (path[0] === 'grid') return Object.keys(blockSchema.shape).join(', ');
  if (path[0] === 'exclude') return Object.keys(matchFields).join(', ');
  if (path[0] === 'overrides') return [...Object.keys(matchFields), 'train', 'test_datasets', 'write_masks'].join(', ');
  return undefined;
}

/** The 1-based line of the node at `path`, or of its nearest ancestor the document has. */
function lineOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    if (n > 0 && typeof path[n - 1] === 'string') {
      // A key without a node of its own value: find the key's pair in its parent map.
      const parent = doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1]);
        const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (range) return lines.linePos(range[0]).line;
      }
    }
  }
  return undefined;
}

/** Models, datasets and pools named in the grid, overrides and exclusions must exist. */
function checkReferences(suite: ValidatedSuite, gridIsList: boolean, where: (path: (string | number)[]) => string, file: string): void {
  const datasets = new Set([...Object.keys(PAPER_DATASETS), ...Object.keys(suite.datasets)]);
  const knownDatasets = (): string => [...datasets].join(', ');
  suite.grid.forEach((block, b) => {
    const at = (...rest: (string | number)[]): (string | number)[] => (gridIsList ? ['grid', b, ...rest] : ['grid', ...rest]);
    block.models.forEach((m, i) => {
      if (!Object.hasOwn(suite.models, m)) throw new ConfigError(`${where(at('models', i))}: unknown model '${m}'; the suite's models: ${Object.keys(suite.models).join(', ') || '(none)'}`, file, 'models');
    });
    block.datasets.forEach((d, i) => {
      if (typeof d === 'string') {
        if (!datasets.has(d)) throw new ConfigError(`${where(at('datasets', i))}: unknown dataset '${d}'; known: ${knownDatasets()} (add others under 'datasets' with their family)`, file, 'datasets');
      } else if (!Object.hasOwn(PREDEFINED_POOLS, d.pool)) {
        throw new ConfigError(`${where(at('datasets', i, 'pool'))}: unknown pool '${d.pool}'; predefined pools: ${Object.keys(PREDEFINED_POOLS).join(', ')}`, file, 'pool');
      } else if (block.prompts === 'family' && suite.kind === 'finetune') {
        throw new ConfigError(`${where(at('datasets', i))}: a pool of several families has no single prompt set; give the block's prompts (e.g. [random])`, file, 'prompts');
      }
    });
    block.test_datasets.forEach((d, i) => {
      if (!datasets.has(d)) throw new ConfigError(`${where(at('test_datasets', i))}: unknown dataset '${d}'; known: ${knownDatasets()}`, file, 'test_datasets');
    });
    if (suite.kind === 'robustness' && (block.attributes === undefined || block.modes === undefined)) {
      throw new ConfigError(`${where(at())}: a robustness block needs 'attributes' and 'modes'`, file, 'attributes');
    }
    if (suite.kind !== 'robustness' && (block.attributes !== undefined || block.modes !== undefined)) {
      throw new ConfigError(`${where(at(block.attributes ? 'attributes' : 'modes'))}: 'attributes' and 'modes' belong to robustness suites (this one is ${suite.kind})`, file, 'attributes');
    }
    if (block.prompts !== 'family') {
      for (const d of block.datasets) {
        if (typeof d !== 'string') continue;
        const family = PAPER_DATASETS[d] ?? suite.datasets[d]?.family;
        const own = family ? FAMILY_PROMPTS[family] : undefined;
        const bad = own ? block.prompts.find((p) => p !== 'random' && !own.includes(p)) : undefined;
        if (bad) throw new ConfigError(`${where(at('prompts'))}: dataset '${d}' (${family}) has no prompt ${bad}; its prompts: ${own!.join(', ')}`, file, 'prompts');
      }
    }
  });
  const checkMatch = (list: readonly { model?: string; dataset?: string }[], field: string): void => {
    list.forEach((m, i) => {
      if (m.model !== undefined && !Object.hasOwn(suite.models, m.model)) throw new ConfigError(`${where([field, i, 'model'])}: unknown model '${m.model}'; the suite's models: ${Object.keys(suite.models).join(', ')}`, file, `${field}.model`);
      if (m.dataset !== undefined && !datasets.has(m.dataset) && !Object.hasOwn(PREDEFINED_POOLS, m.dataset)) throw new ConfigError(`${where([field, i, 'dataset'])}: unknown dataset '${m.dataset}'; known: ${knownDatasets()}, or a pool name`, file, `${field}.dataset`);
    });
  };
  checkMatch(suite.overrides, 'overrides');
  checkMatch(suite.exclude, 'exclude');
}
