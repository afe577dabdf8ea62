// A table as a LaTeX `table` float (plain tabular with \hline, so no package is needed); text is
// escaped so that any cell compiles.
import type { Cell, Table } from './table-format.js';

const SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}', '~': '\\textasciitilde{}', '^': '\\textasciicircum{}',
};

/** Escapes LaTeX's special characters; line breaks become spaces. */
export const latexEscape = (text: string): string => text.replace(/[\\&%$#_{}~^]/g, (c) => SPECIAL[c]!).replace(/\r?\n/g, ' ');

const text = (c: Cell): string => (c === null ? '' : typeof c === 'number' ? (Number.isNaN(c) ? 'nan' : String(c)) : latexEscape(c));

/** The table under `caption`, labelled `tab:<label>`; numeric columns right-aligned. */
export function toLatex(t: Table, o: { caption?: string; label?: string } = {}): string {
  const numeric = t.columns.map((_, j) => t.rows.some((r) => typeof r[j] === 'number') && t.rows.every((r) => r[j] === null || typeof r[j] === 'number'));
  const line = (cells: string[]): string => `${cells.join(' & ')} \\\\`;
  return [
    '\\begin{table}[ht]',
    '\\centering',
    ...(o.caption ? [`\\caption{${latexEscape(o.caption)}}`] : []),
    ...(o.label ? [`\\label{tab:${latexEscape(o.label)}}`] : []),
    `\\begin{tabular}{${numeric.map((n) => (n ? 'r' : 'l')).join('')}}`,
    '\\hline',
    line(t.columns.map(latexEscape)),
    '\\hline',
    ...t.rows.map((r) => line(r.map(text))),
    '\\hline',
    '\\end{tabular}',
    '\\end{table}',
  ].join('\n') + '\n';
}
