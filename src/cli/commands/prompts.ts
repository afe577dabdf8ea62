// `vlsm prompts generate ROOT --family F --out DIR` and `vlsm prompts perturb FILE …`: write
// the reference's prompt files for a dataset, and alter one attribute for robustness studies.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readAnnotationFile, writeAnnotationFile, type AnnotationEntry } from '../../data/annotation-file.js';
import { ConfigError } from '../../errors.js';
import { FAMILIES, parseFamily, type Family } from '../../prompts/families.js';
import { answersFromEntries, recordedAnswersEstimator, type RecordedAnswer } from '../../prompts/recorded-answers.js';
import { generateDatasetPrompts, writeGeneratedPrompts } from '../../prompts/generate-prompts.js';
import { COMPAT_MODES, type CompatMode } from '../../prompts/mask-attributes.js';
import { datasetAttributeValues, PERTURB_MODES, perturbPrompt, type PerturbMode } from '../../prompts/perturb-prompt.js';
import type { RenderedAttributes } from '../../prompts/prompt-set.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const USAGE = `usage:
  vlsm prompts generate ROOT --family FAMILY --out DIR [--compat medvlsm|corrected]
                        [--answers FILE|DIR]
      writes reference-format prompt files (p0..pN, bbox, and an "attributes" object with
      every value used) into DIR: one per split of ROOT/anns, or DIR/all.json when ROOT has
      only images/ and masks/. FAMILY: ${FAMILIES.join(', ')}.
      --compat medvlsm (default) reproduces the reference's rules and quirks; corrected
      fixes them (see src/prompts/README.md). Shape and colour are estimated from the mask
      and the image. Generation is deterministic: the same ROOT gives the same files. The
      seeded choice among list alternatives happens when a run picks a prompt (its seed).
      --answers takes shape/colour answers from the reference's own prompt files (a JSON
      file, or a folder of train/val/test.json), matched by mask_name; with them, medvlsm
      mode regenerates the published files whole. Samples without an answer are estimated.
  vlsm prompts perturb FILE --attribute NAME --prompt pK --out FILE2 [--mode random-word|opposite] [--seed N]
      replaces one attribute's value in prompt pK of every entry of FILE (generated with
      "attributes") by a random uncommon word or another value of the attribute; each entry
      gets a "perturbation" object saying what changed`;

function parse(command: string, args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    console.error(`vlsm prompts ${command}: ${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

export async function runPrompts(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'generate') return runGenerate(rest);
  if (sub === 'perturb') return runPerturb(rest);
  console.error(`vlsm prompts: unknown subcommand '${sub}'; expected generate or perturb\n\n${USAGE}`);
  return 2;
}

async function runGenerate(args: string[]): Promise<number> {
  const parsed = parse('generate', args, { family: { type: 'string' }, out: { type: 'string' }, compat: { type: 'string' }, answers: { type: 'string' } });
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  const { family, out, compat = 'medvlsm' } = parsed.values;
  if (parsed.positionals.length !== 1 || typeof family !== 'string' || typeof out !== 'string') {
    console.error(`vlsm prompts generate: expected ROOT, --family and --out\n\n${USAGE}`);
    return 2;
  }
  if (!(COMPAT_MODES as readonly unknown[]).includes(compat)) {
    throw new ConfigError(`--compat: unknown mode "${String(compat)}"; expected ${COMPAT_MODES.join(' or ')}`, undefined, '--compat');
  }
  const familyName = parseFamily(family);
  const answers = typeof parsed.values['answers'] === 'string' ? await readAnswers(parsed.values['answers'], familyName) : undefined;
  const entries = await generateDatasetPrompts(parsed.positionals[0]!, {
    family: familyName,
    compat: compat as CompatMode,
    ...(answers === undefined ? {} : { estimator: recordedAnswersEstimator(answers) }),
  });
  const files = await writeGeneratedPrompts(out, entries);
  for (const file of files) console.log(file);
  return 0;
}

/** Recorded answers from one annotation file or a folder of train/val/test.json. */
async function readAnswers(path: string, family: Family): Promise<Map<string, RecordedAnswer>> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((f) => f.endsWith('.json')).sort().map((f) => join(path, f))
    : [path];
  const answers = new Map<string, RecordedAnswer>();
  for (const file of files) for (const [key, value] of answersFromEntries(await readAnnotationFile(file), family)) answers.set(key, value);
  if (answers.size === 0) throw new ConfigError(`--answers: ${path} holds no ${family} prompts to read shape/colour answers from`, path, '--answers');
  return answers;
}

async function runPerturb(args: string[]): Promise<number> {
  const parsed = parse('perturb', args, { attribute: { type: 'string' }, prompt: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string' }, seed: { type: 'string' } });
  if (!parsed) return 2;
  if (parsed.values['help']) { console.log(USAGE); return 0; }
  const { attribute, prompt, out, mode = 'opposite', seed = '0' } = parsed.values;
  if (parsed.positionals.length !== 1 || typeof attribute !== 'string' || typeof prompt !== 'string' || typeof out !== 'string') {
    console.error(`vlsm prompts perturb: expected FILE, --attribute, --prompt and --out\n\n${USAGE}`);
    return 2;
  }
  if (!(PERTURB_MODES as readonly unknown[]).includes(mode)) {
    throw new ConfigError(`--mode: unknown mode "${String(mode)}"; expected ${PERTURB_MODES.join(' or ')}`, undefined, '--mode');
  }
  const file = parsed.positionals[0]!;
  const entries = await readAnnotationFile(file);
  // "Opposite" shapes, colours and classes come from the values this file itself uses.
  const values = datasetAttributeValues(entries, attribute);
  const perturbed: AnnotationEntry[] = entries.map((entry, i) => {
    const attributes = entry['attributes'] as RenderedAttributes | undefined;
    const value = entry.prompts?.[prompt];
    if (attributes === undefined || value === undefined) {
      throw new ConfigError(`${file}, entry ${i}: needs "attributes" and prompt ${prompt} (generate the file with "vlsm prompts generate")`, file, prompt);
    }
    const one = (text: string, k: number) => perturbPrompt(text, attributes, attribute, mode as PerturbMode, `${String(seed)}/${entry.mask_name}/${k}`, values);
    const results = typeof value === 'string' ? [one(value, 0)] : value.map(one);
    const changed = typeof value === 'string' ? results[0]!.prompt : results.map((r) => r.prompt);
    return { ...entry, prompts: { ...entry.prompts, [prompt]: changed }, perturbation: { attribute, mode, prompt, from: results[0]!.from, to: results.map((r) => r.to) } };
  });
  await writeAnnotationFile(out, perturbed);
  console.log(`${out}: ${perturbed.length} entries, ${attribute} in ${prompt} replaced (${mode})`);
  return 0;
}
