// Shape and colour answers recorded in the reference's own prompt files. The reference's VQA
// answers cannot be recomputed, but they can be read back from the shipped prompts (docs/prompts.md
// §2.4: shape = p2 without the trailing class, colour = p3 without the trailing p2; BUSI p6,
// CAMUS p7 and CheXlocalize p3 carry the shape). With these answers plugged in, `medvlsm` mode
// regenerates the published prompt files whole.
import type { AnnotationEntry } from '../data/annotation-file.js';
import { ConfigError } from '../errors.js';
import { geometryEstimator, type ImageAttributeEstimator } from './attribute-estimator.js';
import { BUSI_SUFFIX } from './busi-templates.js';
import { CLASS_NAMES, isNonRadiology, type Family } from './families.js';

export interface RecordedAnswer {
  readonly shape: string;
  readonly color?: string;
}

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The answer recorded in one shipped entry, or undefined when its prompts do not carry one. */
export function answerFromEntry(entry: AnnotationEntry, family: Family): RecordedAnswer | undefined {
  const prompts = entry.prompts ?? {};
  if (isNonRadiology(family)) {
    const cls = ` ${CLASS_NAMES[family].singular}`;
    const p2 = first(prompts['p2']);
    const p3 = first(prompts['p3']);
    if (p2 === undefined || p3 === undefined || !p2.endsWith(cls) || !p3.endsWith(` ${p2}`)) return undefined;
    return { shape: p2.slice(0, -cls.length), color: p3.slice(0, -p2.length - 1) };
  }
  if (family === 'busi') {
    // p4[0] = "{Num} {size} {type} tumor(s)" + S, p6[0] = "{Num} {size} {shape}-shaped {type} tumor(s) at …".
    const p4 = first(prompts['p4']);
    const p6 = first(prompts['p6']);
    const head = p4 === undefined ? undefined : /^(.*) (benign|malignant) tumors?$/.exec(p4.slice(0, -BUSI_SUFFIX.length));
    if (p6 === undefined || head === null || head === undefined || !p6.startsWith(`${head[1]} `)) return undefined;
    const rest = p6.slice(head[1]!.length + 1);
    const cut = rest.lastIndexOf(`-shaped ${head[2]} tumor`);
    return cut <= 0 ? undefined : { shape: rest.slice(0, cut) };
  }
  if (family === 'camus') {
    const match = /^.*? of (.+) shape in (?:two|four)-chamber view/.exec(first(prompts['p7']) ?? '');
    return match === null ? undefined : { shape: match[1]! };
  }
  const match = /^.*? of shape (.+) in the (?:frontal|lateral) view of a Chest Xray\.$/.exec(first(prompts['p3']) ?? '');
  return match === null ? undefined : { shape: match[1]! };
}

/** Answers keyed by mask name from a list of shipped entries. */
export function answersFromEntries(entries: readonly AnnotationEntry[], family: Family): Map<string, RecordedAnswer> {
  const out = new Map<string, RecordedAnswer>();
  for (const entry of entries) {
    const answer = answerFromEntry(entry, family);
    if (answer !== undefined) out.set(entry.mask_name, answer);
  }
  return out;
}

/**
 * An estimator that answers from recorded answers, keyed by mask name; samples without one are
 * passed to `fallback` (the geometry estimator by default), or are an error when `strict`.
 */
export function recordedAnswersEstimator(answers: ReadonlyMap<string, RecordedAnswer>, options: { fallback?: ImageAttributeEstimator; strict?: boolean } = {}): ImageAttributeEstimator {
  const fallback = options.fallback ?? geometryEstimator;
  return {
    name: 'recorded',
    async estimate(request) {
      const answer = answers.get(request.sampleId);
      if (answer !== undefined) return answer;
      if (options.strict) throw new ConfigError(`no recorded shape/colour answer for ${request.sampleId}`, undefined, 'answers');
      return fallback.estimate(request);
    },
  };
}
