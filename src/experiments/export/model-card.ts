// The model card an export writes as README.md, in the Hugging Face model-card format: YAML front
// matter (library_name, tags, datasets, metrics, base_model, license, model-index with the test
// scores) and prose saying what the model is, how it was trained and how to load it.
import type { ExportedModel } from '../../models/export/index.js';
import type { RunResults } from './run-results.js';
import type { ExportSource } from './export-source.js';

export interface ModelCardInput {
  name: string;
  family: string;
  source: ExportSource;
  exported: ExportedModel;
  results: RunResults | undefined;
  dtype: string;
  vlsmVersion: string;
  gitCommit: string | null;
}

/** Licences of the libraries' released weights each family starts from (the fine-tune inherits them). */
const LICENSE_OF: Record<string, string> = {
  clipseg: 'apache-2.0',
  biomedclipseg: 'mit',
  'biomedclipseg-d': 'mit',
  cris: 'mit',
  unet: 'mit',
  unetplusplus: 'mit',
  deeplabv3plus: 'mit',
};

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A YAML scalar: JSON's quoting is valid YAML and leaves nothing to interpretation. */
const scalar = (v: unknown): string => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(String(v)));

function yamlList(key: string, values: readonly unknown[], indent = ''): string[] {
  if (values.length === 0) return [];
  return [`${indent}${key}:`, ...values.map((v) => `${indent}- ${scalar(v)}`)];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function datasetsOf(input: ModelCardInput): { trained: string[]; tested: string[] } {
  const config = input.source.run?.config;
  const name = (d: { root: string; name?: string }): string => d.name ?? d.root.split(/[\\/]/).filter(Boolean).pop() ?? d.root;
  const trained = config ? config.data.map(name) : [];
  const tested = input.results ? [...new Set(input.results.tests.map((t) => t.dataset))] : config ? [...config.data, ...config.test_data].map(name) : [];
  return { trained, tested };
}

export function frontMatter(input: ModelCardInput): string {
  const { trained, tested } = datasetsOf(input);
  const base = input.source.baseModel;
  const lines = [
    '---',
    `library_name: ${scalar(input.exported.library)}`,
    `license: ${scalar(LICENSE_OF[input.family] ?? 'other')}`,
    ...(HUB_ID.test(base) ? [`base_model: ${scalar(base)}`] : []),
    'pipeline_tag: "image-segmentation"',
    ...yamlList('tags', ['vlsm', 'image-segmentation', 'medical-imaging', input.family, ...(input.family === 'clipseg' || input.family.startsWith('biomedclipseg') || input.family === 'cris' ? ['vision-language', 'referring-segmentation'] : [])]),
    ...yamlList('datasets', [...new Set([...trained, ...tested])]),
    ...yamlList('metrics', ['dice', 'iou']),
  ];
  const tests = input.results?.tests ?? [];
  if (tests.length > 0) {
    lines.push('model-index:', `- name: ${scalar(input.name)}`, '  results:');
    for (const t of tests) {
      lines.push(
        '  - task:',
        '      type: "image-segmentation"',
        '    dataset:',
        `      name: ${scalar(t.dataset)}`,
        `      type: ${scalar(t.dataset)}`,
        `      split: ${scalar(t.split)}`,
        '    metrics:',
        `    - type: "dice"`,
        `      name: ${scalar(`Dice (${t.prompt}, %)`)}`,
        `      value: ${round2(t.dice.mean)}`,
        `    - type: "iou"`,
        `      name: ${scalar(`IoU (${t.prompt}, %)`)}`,
        `      value: ${round2(t.iou.mean)}`,
      );
    }
  }
  lines.push('---');
  return lines.join('\n');
}

const fmt = (s: { mean: number; std: number }): string => `${s.mean.toFixed(2)} ± ${Number.isFinite(s.std) ? s.std.toFixed(2) : '–'}`;

export function modelCard(input: ModelCardInput): string {
  const { source, exported, results } = input;
  const run = source.run;
  const { trained } = datasetsOf(input);
  const out: string[] = [frontMatter(input), '', `# ${input.name}`, ''];
  const from = source.baseModel === 'scratch' ? 'randomly initialised weights (trained from scratch)' : `\`${source.baseModel}\``;
  const origin = run ? `It was fine-tuned from ${from}.` : `It was exported from the model folder \`${source.baseModel}\`; vlsm has no record of its training.`;
  out.push(`A ${input.family} segmentation model exported by vlsm ${input.vlsmVersion} in the format of ${exported.library} (${exported.format}). ${origin}`, '');
  if (run) {
    const recipe = run.recipe;
    out.push('## Training', '');
    out.push(`- Datasets: ${trained.join(', ')} (trained on the train split, checkpoint chosen on the val split, scored on the test split)`);
    if (run.config.test_data.length > 0) out.push(`- Also tested on: ${run.config.test_data.map((d) => d.name ?? d.root).join(', ')}`);
    out.push(`- Prompt type: ${run.config.prompt.toUpperCase()}`);
    out.push(`- Recipe: ${run.config.recipe} (optimizer ${recipe.optimizer}, lr ${recipe.lr}, batch ${recipe.batch_size}, epochs ${recipe.min_epochs}–${recipe.max_epochs}, loss dice ${recipe.loss.dice} + bce ${recipe.loss.bce}, input ${source.model.inputSize.join('×')}, threshold ${recipe.threshold}, frozen: ${recipe.frozen.length ? recipe.frozen.join(', ') : 'none'}, seed ${recipe.seed})`);
    out.push(`- Checkpoint: '${run.checkpoint}'${run.epoch !== undefined ? ` (epoch ${run.epoch})` : ''}`, '');
  }
  out.push('## Results', '');
  if (results && results.tests.length > 0) {
    out.push(`Test scores from the results store \`${results.store}\` (run ${results.run.id}, ${results.run.status}), mean ± sample std over images, in %, at the images' original size:`, '');
    out.push('| Dataset | Split | Prompt | Dice | IoU | Images |', '|---|---|---|---|---|---|');
    for (const t of results.tests) out.push(`| ${t.dataset} | ${t.split} | ${t.prompt} | ${fmt(t.dice)} | ${fmt(t.iou)} | ${t.dice.count} |`);
  } else {
    out.push('No test scores: the results store holds no finished run for this model.');
  }
  out.push('');
  out.push('## Provenance', '');
  out.push(`- vlsm ${input.vlsmVersion}, commit ${input.gitCommit ?? 'unknown (not a git checkout)'}`);
  out.push(`- Weights stored as ${input.dtype}; weights only (no optimizer state)`);
  out.push(`- Files: ${exported.files.map((f) => `\`${f}\``).join(', ')}`, '');
  out.push('## How to load', '', 'In vlsm (Node):', '', '```js', "import { models } from 'vlsm';", "const model = await models.load('./this-folder');", "const { mask } = model.predict(image, 'a small polyp');", '```', '');
  out.push('Fine-tune it further: `vlsm finetune` with `model: { path: ./this-folder }` in the run config.', '');
  out.push(`In ${exported.library} (Python):`, '', '```python', exported.homeSnippet.replaceAll('{dir}', '.'), '```', '');
  return out.join('\n');
}
