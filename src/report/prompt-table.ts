// Table 2: which attributes each prompt type P1–P9 carries, per dataset family, read off vlsm's
// own prompt templates (src/prompts): each template is filled with marker values, and an
// attribute is in a prompt when its marker shows up in the text. The paper's Table 2 is beside it.
import { busiPrompts } from '../prompts/busi-templates.js';
import { camusPrompts, CAMUS_LABELS } from '../prompts/camus-templates.js';
import { chexlocalizePrompts } from '../prompts/chexlocalize-templates.js';
import { CLASS_NAMES, descriptionsOf, FAMILIES, isNonRadiology, type Family } from '../prompts/families.js';
import type { CompatMode } from '../prompts/mask-attributes.js';
import { nonRadiologyPrompts } from '../prompts/non-radiology-templates.js';
import type { PromptSet } from '../prompts/prompt-set.js';
import type { ReportTable } from './report-table.js';
import type { Cell } from './table-format.js';

/** The paper's attribute numbering. */
export const PROMPT_ATTRIBUTES: Record<string, string> = {
  a1: 'class keyword', a2: 'shape', a3: 'color', a4: 'size', a5: 'number', a6: 'location', a7: 'general class info', a8: 'view',
  a9: 'pathology', a10: 'cardiac cycle', a11: 'gender', a12: 'age', a13: 'image quality', a14: 'tumor type',
};

/** The paper's Table 2, as printed; "N/A" where a family has no such prompt. */
const PAPER_TABLE2: Record<string, string[]> = {
  'non-radiology': ['a1', 'a1a2', 'a1a2a3', 'a1a2a3a4', 'a1a2a3a4a5', 'a1a2a3a4a6', 'a1a7', 'a1a2a3a4a5a7', 'a1a2a3a4a5a6a7'],
  chexlocalize: ['a1', 'a1a8', 'a1a2a8', 'a1a2a6a8', 'a1a2a6a8a9', 'a1a9', 'N/A', 'N/A', 'N/A'],
  camus: ['a1', 'a1a8', 'a1a8a10', 'a1a8a10a11', 'a1a8a10a11a12', 'a1a8a10a11a12a13', 'a1a8a10a11a12a13a2', 'N/A', 'N/A'],
  busi: ['a1', 'a1a14', 'a1a14a5', 'a1a14a5a4', 'a1a14a5a4a6', 'a1a14a5a4a6a2', 'N/A', 'N/A', 'N/A'],
};

/** Marker values no template writes by itself (lower case: BUSI's templates capitalise). */
const MARK = { size: 'qqsizeqq', location: 'qqlocationqq', shape: 'qqshapeqq', color: 'qqcolorqq', quality: 'qqqualityqq', finding: 'qqfindingqq', view: 'qqviewqq', pathology: 'qqpathologyqq' };

/** The family's prompts for marker values, and the test of each attribute against a prompt's text. */
function probe(family: Family, mode: CompatMode): { set: PromptSet; tests: Record<string, (text: string) => boolean> } {
  const has = (word: string) => (text: string): boolean => text.includes(word.toLowerCase());
  const markers = { a2: has(MARK.shape), a4: has(MARK.size), a6: has(MARK.location) };
  if (isNonRadiology(family)) {
    const { singular, plural } = CLASS_NAMES[family];
    const descriptions = descriptionsOf(family, mode).map((d) => d.toLowerCase());
    return {
      set: nonRadiologyPrompts(family, { number: 7, size: MARK.size, location: MARK.location, shape: MARK.shape, color: MARK.color }, mode),
      tests: { a1: (t) => t.includes(singular) || t.includes(plural), ...markers, a3: has(MARK.color), a5: has('seven'), a7: (t) => descriptions.some((d) => t.includes(d)) },
    };
  }
  if (family === 'busi') {
    return {
      set: busiPrompts({ type: 'benign', number: 7, size: MARK.size, location: MARK.location, shape: MARK.shape }, mode),
      tests: { a1: has('tumor'), ...markers, a5: has('seven'), a14: (t) => /benign|\bregular/.test(t) },
    };
  }
  if (family === 'camus') {
    return {
      set: camusPrompts({ label: 1, view: '2CH', phase: 'ES', sex: 'F', age: '37', quality: MARK.quality, shape: MARK.shape }, mode),
      tests: { a1: has(CAMUS_LABELS[1]!), a2: has(MARK.shape), a8: has('two-chamber'), a10: has('systole'), a11: has('female'), a12: has('thirty-seven'), a13: has(MARK.quality) },
    };
  }
  return {
    set: chexlocalizePrompts({ finding: MARK.finding, view: MARK.view, shape: MARK.shape, location: MARK.location, pathologies: [MARK.pathology] }, mode),
    tests: { a1: has(MARK.finding), ...markers, a8: has(MARK.view), a9: has(MARK.pathology) },
  };
}

const attributeNumber = (a: string): number => Number(a.slice(1));
const split = (printed: string): string[] => printed.match(/a\d+/g) ?? [];

/** The attributes of each prompt type P1–P9 of a family ("a1a2a3"; null where the family has no such prompt). */
export function promptComposition(family: Family, mode: CompatMode = 'medvlsm'): (string | null)[] {
  const { set, tests } = probe(family, mode);
  return Array.from({ length: 9 }, (_, i) => {
    const value = set.prompts[`p${i + 1}`];
    if (value === undefined) return null;
    const text = (Array.isArray(value) ? value.join(' | ') : value).toLowerCase();
    return Object.keys(tests).filter((a) => tests[a]!(text)).sort((x, y) => attributeNumber(x) - attributeNumber(y)).join('');
  });
}

/** Table 2: rows family, for P1–P9 ours and the paper's; a last column names the prompts that differ. */
export function promptTable(mode: CompatMode = 'medvlsm'): ReportTable {
  const rows: Cell[][] = FAMILIES.map((family) => {
    const ours = promptComposition(family, mode);
    const paper = PAPER_TABLE2[isNonRadiology(family) ? 'non-radiology' : family]!;
    const differ: string[] = [];
    ours.forEach((o, i) => {
      const p = paper[i] === 'N/A' ? null : paper[i]!;
      if ((o === null) !== (p === null) || (o !== null && p !== null && [...split(o)].sort().join() !== [...split(p)].sort().join())) {
        const extra = split(o ?? '').filter((a) => !split(p ?? '').includes(a));
        const lacking = split(p ?? '').filter((a) => !split(o ?? '').includes(a));
        differ.push(`P${i + 1}${extra.length ? ` adds ${extra.join(' ')}` : ''}${lacking.length ? ` lacks ${lacking.join(' ')}` : ''}`);
      }
    });
    return [family, ...ours.flatMap((o, i) => [o, paper[i] === 'N/A' ? null : paper[i]!]), differ.join('; ') || null];
  });
  return {
    id: 'table2', title: 'Table 2: prompt composition per family',
    caption: `The attributes each prompt type carries (${mode} templates), beside the paper's Table 2 (its non-radiology row stands for endoscopy, ISIC and DFU). P0 is the empty prompt. ` +
      Object.entries(PROMPT_ATTRIBUTES).map(([a, name]) => `${a}: ${name}`).join(', ') + '.',
    table: { columns: ['family', ...Array.from({ length: 9 }, (_, i) => [`P${i + 1}`, `P${i + 1} paper`]).flat(), 'differences'], rows },
    rowHeaders: 1, groupSpan: 2,
    source: { suite: null, runIds: [], vlsmVersions: [], commits: [] },
    from: `vlsm's prompt templates (src/prompts, ${mode} mode)`,
    missing: [],
  };
}
