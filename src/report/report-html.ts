// The report as one HTML page that opens offline: inline CSS, no scripts, no external requests;
// figures are relative <img> links to the report's own files, each linked to its data (CSV).
import type { ReportFigure } from './figures/index.js';
import { contents, type ReportDocument } from './report-document.js';
import { describeSource, type ReportTable } from './report-table.js';
import type { Cell } from './table-format.js';

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; max-width: 1200px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2.2em; border-bottom: 1px solid #ccc; }
.meta, .source { color: #555; font-size: 0.9em; }
.note, .missing { background: #fff4e0; border-left: 4px solid #e69f00; padding: 0.3em 0.7em; }
.rule { background: #eef5fb; border-left: 4px solid #0072b2; padding: 0.3em 0.7em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.45em; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 18em; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.neg { color: #b2182b; } td.pos { color: #2166ac; }
figure { margin: 1em 0; } figure img { width: 100%; max-width: 860px; height: auto; border: 1px solid #eee; }
nav ol { columns: 2; }
`;

const SUB_LABEL: Record<string, string> = { diff: 'Δ' };

/** Two header rows when columns come in groups (dataset → ours, prompt, paper, Δ), else one. */
function header(t: ReportTable): string {
  const cols = t.table.columns;
  if (t.groupSpan <= 1) return `<tr>${cols.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`;
  const top: string[] = cols.slice(0, t.rowHeaders).map((c) => `<th rowspan="2">${escape(c)}</th>`);
  const sub: string[] = [];
  for (let j = t.rowHeaders; j < cols.length; j += t.groupSpan) {
    const group = cols.slice(j, j + t.groupSpan);
    if (group.length < t.groupSpan) {
      top.push(...group.map((c) => `<th rowspan="2">${escape(c)}</th>`));
      continue;
    }
    const label = group[0]!;
    top.push(`<th colspan="${group.length}">${escape(label)}</th>`);
    for (const c of group) {
      const part = c === label ? 'ours' : c.startsWith(`${label} `) ? c.slice(label.length + 1) : c;
      sub.push(`<th>${escape(SUB_LABEL[part] ?? part)}</th>`);
    }
  }
  return `<tr>${top.join('')}</tr>\n<tr>${sub.join('')}</tr>`;
}

function cell(c: Cell, column: string, digits: number | undefined): string {
  if (c === null) return '<td></td>';
  if (typeof c === 'number') {
    const sign = column.endsWith(' diff') && c !== 0 ? (c < 0 ? ' neg' : ' pos') : '';
    const shown = Number.isNaN(c) ? 'nan' : digits === undefined ? String(c) : c.toFixed(digits);
    return `<td class="num${sign}">${escape(shown)}</td>`;
  }
  return `<td${c.length > 40 ? ' class="wrap"' : ''}>${escape(c)}</td>`;
}

function tableHtml(t: ReportTable): string {
  if (t.table.rows.length === 0) return '';
  const body = t.table.rows.map((r) => `<tr>${r.map((c, j) => cell(c, t.table.columns[j]!, t.digits)).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>\n<thead>\n${header(t)}\n</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function tableSection(t: ReportTable, withFiles: boolean): string {
  return [
    `<section id="${escape(t.id)}">`,
    `<h2>${escape(t.title)}</h2>`,
    `<p>${escape(t.caption)}</p>`,
    t.rule ? `<p class="rule">Rule: ${escape(t.rule)}</p>` : '',
    `<p class="source">Made from: ${escape(t.from ?? describeSource(t.source))}.</p>`,
    ...t.missing.map((m) => `<p class="missing">Missing: ${escape(m)}</p>`),
    withFiles ? `<p class="source">Files: <a href="tables/${escape(t.id)}.csv">CSV</a> · <a href="tables/${escape(t.id)}.md">markdown</a> · <a href="tables/${escape(t.id)}.tex">LaTeX</a></p>` : '',
    tableHtml(t),
    '</section>',
  ].filter(Boolean).join('\n');
}

function figureSection(f: ReportFigure, source: string): string {
  const files = [f.svg && `<a href="${escape(f.svg)}">SVG</a>`, f.png && `<a href="${escape(f.png)}">PNG</a>`, f.csv && `<a href="${escape(f.csv)}">data (CSV)</a>`].filter(Boolean);
  const image = f.svg ?? f.png;
  return [
    `<section id="${escape(f.id)}">`,
    `<h2>${escape(f.title)}</h2>`,
    image ? `<figure><a href="${escape(f.csv ?? image)}"><img src="${escape(image)}" alt="${escape(f.title)}"></a><figcaption>${escape(f.caption)}</figcaption></figure>` : `<p>${escape(f.caption)}</p>`,
    `<p class="source">Made from: ${escape(source)}.</p>`,
    f.missing ? `<p class="missing">Missing: ${escape(f.missing)}</p>` : '',
    files.length ? `<p class="source">Files: ${files.join(' · ')}</p>` : '',
    '</section>',
  ].filter(Boolean).join('\n');
}

export function renderHtml(doc: ReportDocument): string {
  const title = `vlsm report${doc.suite ? `: suite ${doc.suite}` : ''}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escape(title)}</h1>`,
    `<p class="meta">Written ${escape(doc.generatedAt)} by vlsm ${escape(doc.vlsmVersion)}${doc.commit ? ` (commit ${escape(doc.commit)})` : ''} from ${escape(doc.storePath)}: ${doc.runCount} run${doc.runCount === 1 ? '' : 's'}${doc.suite ? ` of suite ${escape(doc.suite)}` : ''}. Dice ×100.</p>`,
    ...doc.notes.map((n) => `<p class="note">${escape(n)}</p>`),
    '<nav id="contents">',
    '<h2>Contents</h2>',
    '<ol>',
    ...contents(doc).map((c) => `<li><a href="#${escape(c.id)}">${escape(c.title)}</a></li>`),
    '</ol>',
    '</nav>',
    tableSection(doc.runs, false),
    ...doc.tables.map((t) => tableSection(t, true)),
    ...doc.figures.map((f) => figureSection(f, describeSource(doc.figureSources.get(f.id)!))),
    '</body>',
    '</html>',
  ].join('\n') + '\n';
}
