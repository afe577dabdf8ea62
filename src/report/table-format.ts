// One table shape, three renderings: GitHub markdown, RFC 4180 CSV, JSON. The results store's
// export and the report tables both go through here, so a table reads the same everywhere.

export type Cell = string | number | null;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export type TableFormat = 'md' | 'csv' | 'json';
export const TABLE_FORMATS: readonly TableFormat[] = ['md', 'csv', 'json'];

/** Throws a TypeError listing the formats when `format` is not one. */
export function checkFormat(format: string, op: string): TableFormat {
  if (!(TABLE_FORMATS as readonly string[]).includes(format)) {
    throw new TypeError(`${op}: unknown format '${format}'; formats: ${TABLE_FORMATS.join(', ')}`);
  }
  return format as TableFormat;
}

/** Numbers keep full precision (they round-trip through `Number`); null is an empty field. */
const text = (c: Cell): string => (c === null ? '' : typeof c === 'number' ? (Number.isNaN(c) ? 'nan' : String(c)) : c);

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvCell(c: Cell): string {
  const s = text(c);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(t: Table): string {
  return [t.columns, ...t.rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** A markdown table; numbers right-aligned, `|` escaped. */
export function toMarkdown(t: Table): string {
  const escape = (c: Cell): string => text(c).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const numeric = t.columns.map((_, j) => t.rows.some((r) => typeof r[j] === 'number') && t.rows.every((r) => r[j] === null || typeof r[j] === 'number'));
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(t.columns.map((c) => escape(c))), line(numeric.map((n) => (n ? '---:' : '---'))), ...t.rows.map((r) => line(r.map(escape)))].join('\n') + '\n';
}

/** An array of objects keyed by column. */
export function toJson(t: Table): string {
  return JSON.stringify(t.rows.map((r) => Object.fromEntries(t.columns.map((c, j) => [c, r[j] ?? null]))), null, 2) + '\n';
}

export function renderTable(t: Table, format: TableFormat): string {
  switch (checkFormat(format, 'renderTable')) {
    case 'md': return toMarkdown(t);
    case 'csv': return toCsv(t);
    case 'json': return toJson(t);
  }
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv(source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  while (i < source.length) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      endField();
      rows.push(row);
      row = [];
      if (ch === '\r' && source[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}
