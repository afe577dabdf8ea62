// Which prompt type stands for a VLSM in a cell of Tables 3 and 4. The paper does not state it;
// its CRIS BUSI and CAMUS entries equal the best prompt of Table 6 (docs/training.md §7), so the
// cell is the best prompt type by mean test Dice.
import type { StudyCell } from './study-cells.js';

export const BEST_PROMPT_RULE =
  'A VLSM cell is the prompt type with the highest mean test Dice (×100, original image size) among the runs of that model, ' +
  'setting and dataset, as the paper\'s entries match its best prompts; ties go to the lower prompt number. ' +
  'Runs with a frozen encoder enter only where the model has no run without one. Where one prompt has several runs, the newest counts.';

const promptRank = (prompt: string): number => (/^P\d+$/.test(prompt) ? Number(prompt.slice(1)) : Number.MAX_SAFE_INTEGER);

/** The newest run's cell for each prompt type (cells of one model, setting and dataset). */
export function newestPerPrompt(cells: readonly StudyCell[]): StudyCell[] {
  const newest = new Map<string, StudyCell>();
  for (const c of cells) {
    const seen = newest.get(c.prompt);
    if (!seen || c.runId > seen.runId) newest.set(c.prompt, c);
  }
  return [...newest.values()];
}

/** The best cell by BEST_PROMPT_RULE; undefined for none. */
export function bestPrompt(cells: readonly StudyCell[]): StudyCell | undefined {
  const unfrozen = cells.filter((c) => c.frozen.length === 0);
  const candidates = newestPerPrompt(unfrozen.length > 0 ? unfrozen : cells);
  let best: StudyCell | undefined;
  for (const c of candidates) {
    if (!best || c.mean > best.mean || (c.mean === best.mean && promptRank(c.prompt) < promptRank(best.prompt))) best = c;
  }
  return best;
}
