// The report as markdown (README.md): the same sections as index.html, tables inline.
import { contents, type ReportDocument } from './report-document.js';
import { describeSource, type ReportTable } from './report-table.js';
import { toMarkdown } from './table-format.js';
import type { ReportFigure } from './figures/index.js';

function tableSection(t: ReportTable, withFiles: boolean): string[] {
  const lines = [`<a id="${t.id}"></a>`, '', `## ${t.title}`, '', t.caption, ''];
  if (t.rule) lines.push(`Rule: ${t.rule}`, '');
  lines.push(`Made from: ${t.from ?? describeSource(t.source)}.`, '');
  for (const m of t.missing) lines.push(`Missing: ${m}`, '');
  if (withFiles) lines.push(`Files: [CSV](tables/${t.id}.csv), [markdown](tables/${t.id}.md), [LaTeX](tables/${t.id}.tex)`, '');
  if (t.table.rows.length) lines.push(toMarkdown(t.table));
  return lines;
}

function figureSection(f: ReportFigure, source: string): string[] {
  const lines = [`<a id="${f.id}"></a>`, '', `## ${f.title}`, '', f.caption, '', `Made from: ${source}.`, ''];
  if (f.missing) lines.push(`Missing: ${f.missing}`, '');
  if (f.png) lines.push(`![${f.title}](${f.png})`, '');
  const files = [f.svg && `[SVG](${f.svg})`, f.png && `[PNG](${f.png})`, f.csv && `[data (CSV)](${f.csv})`].filter(Boolean);
  if (files.length) lines.push(`Files: ${files.join(', ')}`, '');
  return lines;
}

export function renderMarkdown(doc: ReportDocument): string {
  const lines = [
    `# vlsm report${doc.suite ? `: suite ${doc.suite}` : ''}`,
    '',
    `Written ${doc.generatedAt} by vlsm ${doc.vlsmVersion}${doc.commit ? ` (commit ${doc.commit})` : ''} from ${doc.storePath}: ${doc.runCount} run${doc.runCount === 1 ? '' : 's'}${doc.suite ? ` of suite ${doc.suite}` : ''}. Dice ×100.`,
    '',
    ...doc.notes.flatMap((n) => [`**Note:** ${n}`, '']),
    '## Contents',
    '',
    ...contents(doc).map((c) => `- [${c.title}](#${c.id})`),
    '',
    ...tableSection(doc.runs, false),
    ...doc.tables.flatMap((t) => tableSection(t, true)),
    ...doc.figures.flatMap((f) => figureSection(f, describeSource(doc.figureSources.get(f.id)!))),
  ];
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
