// A run is fully described by its config: model, datasets, prompt type, recipe, seed, outputs.
// Read from YAML or JSON, validated with zod (unknown fields are errors naming the field), with
// `--set a.b=value` overrides applied before validation.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { PRECISIONS, type Precision } from '../models/precision.js';
import { isUnsafeKey } from '../train/unsafe-keys.js';

const modelSpec = z.union([
  z.string().min(1),
  z
    .object({
      /** A registry family built with fresh weights (training from scratch). */
      family: z.string(),
      scratch: z.record(z.string(), z.unknown()).default({}),
      input_size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    })
    .strict(),
  z.object({ path: z.string(), family: z.string().optional() }).strict(),
]);

export const runConfigSchema = z
  .object({
    name: z.string().optional(),
    model: modelSpec,
    recipe: z.enum(['paper', 'published', 'released']).default('published'),
    /** Recipe fields to override (recipes.ts lists them). */
    train: z.record(z.string(), z.unknown()).default({}),
    data: z.array(z.object({ root: z.string(), name: z.string().optional() }).strict()).nonempty(),
    /** Test-only datasets (out-of-distribution evaluation). */
    test_data: z.array(z.object({ root: z.string(), name: z.string().optional() }).strict()).default([]),
    prompt: z.string().regex(/^(p\d+|random)$/, 'a prompt type p0, p1, … or random').default('p6'),
    out: z.string().default('runs/run'),
    results: z.string().default('vlsm-results.sqlite'),
    cache: z.object({
      memory_gb: z.number().positive().default(2),
      disk: z.boolean().default(true),
      /** bfloat16 stores the frozen features in half the memory (train/feature-cache.ts). */
      dtype: z.enum(['float32', 'bfloat16']).default('float32'),
    }).strict().default({}),
    /** cpu, cuda, cuda:N or auto (models/placement.ts). */
    device: z.string().regex(/^(cpu|auto|cuda(:\d+)?)$/, 'cpu, cuda, cuda:N or auto').default('cpu'),
    /** fp32, bf16 or fp16 (models/precision.ts); without it, the recipe's (fp16 recipes run fp32 on the CPU). */
    precision: z.enum(PRECISIONS as [Precision, ...Precision[]]).optional(),
    checkpoint_every: z.number().int().positive().optional(),
    write_masks: z.boolean().default(false),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;

/** Parses `key.path=value` (value as YAML: numbers, booleans, lists work) into the object. */
export function applySet(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${assignment}: expected key=value, e.g. --set train.lr=1e-4`, undefined, assignment);
  const path = assignment.slice(0, eq).split('.');
  const unsafe = path.find(isUnsafeKey);
  if (unsafe !== undefined) throw new ConfigError(`--set ${assignment.slice(0, eq)}: '${unsafe}' is not a config field (it would change the object's prototype)`, undefined, assignment.slice(0, eq));
  let value: unknown;
  try {
    value = parseYaml(assignment.slice(eq + 1));
  } catch (cause) {
    throw new ConfigError(`--set ${assignment.slice(0, eq)}: the value is not valid YAML (${(cause as Error).message.split('\n')[0]})`, undefined, assignment.slice(0, eq), { cause });
  }
  let node = target;
  for (const key of path.slice(0, -1)) {
    // Only own fields are walked into: an inherited value is never a config section.
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Validates a config object; `source` names the file in errors. */
export function parseRunConfig(value: unknown, source: string): RunConfig {
  const result = runConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const at = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    throw new ConfigError(`${source}: unknown field ${names.map((n) => `'${n}'`).join(', ')}; known fields: ${Object.keys(runConfigSchema.shape).join(', ')}`, source, names[0]);
  }
  throw new ConfigError(`${source}: field '${at || '(top level)'}': ${issue.message}`, source, at);
}

/** Reads a YAML or JSON run config and applies `--set` overrides. */
export function readRunConfig(path: string | undefined, sets: readonly string[] = []): RunConfig {
  let value: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new ConfigError(`${path}: cannot read the run config (${(cause as Error).message})`, path, undefined, { cause });
    }
    try {
      value = (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    } catch (cause) {
      throw new ConfigError(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${(cause as Error).message})`, path, undefined, { cause });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${path}: the run config must be a mapping of fields`, path);
  }
  for (const assignment of sets) applySet(value, assignment);
  return parseRunConfig(value, path ?? 'command-line options');
}
