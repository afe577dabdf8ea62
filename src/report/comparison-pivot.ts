// Our numbers beside the paper's in the paper's orientation: rows named by some header columns,
// and for each paper column a group of sub-columns (ours, its prompt or std, the paper's, and the
// difference ours − paper in Dice points). Numbers are rounded to the paper's 2 decimals.
import type { Cell, Table } from './table-format.js';

export type PivotPart = 'ours' | 'prompt' | 'std' | 'paper' | 'paper std' | 'diff';

export interface PivotEntry {
  /** The row header values. */
  row: Cell[];
  column: string;
  ours?: { mean: number; std?: number; prompt?: string | null };
  paper?: { mean: number; std?: number | null };
}

export interface PivotOptions {
  rowHeaders: readonly string[];
  /** Column order; a column no entry has is left out. */
  columns: readonly string[];
  parts: readonly PivotPart[];
}

export const round2 = (x: number): number => (Number.isFinite(x) ? Number(x.toFixed(2)) + 0 : x);

/** The sub-column name of `part` under `column` ("BUSI", "BUSI paper", "BUSI diff"). */
export const partColumn = (column: string, part: PivotPart): string => (part === 'ours' ? column : `${column} ${part}`);

function partValue(e: PivotEntry | undefined, part: PivotPart): Cell {
  if (!e) return null;
  switch (part) {
    case 'ours': return e.ours ? round2(e.ours.mean) : null;
    case 'prompt': return e.ours?.prompt ?? null;
    case 'std': return e.ours?.std !== undefined && Number.isFinite(e.ours.std) ? round2(e.ours.std) : null;
    case 'paper': return e.paper ? e.paper.mean : null;
    case 'paper std': return e.paper?.std ?? null;
    case 'diff': return e.ours && e.paper ? round2(e.ours.mean - e.paper.mean) : null;
  }
}

/** Rows in the order their first entry comes; two entries for one row and column merge (ours from one, paper from the other). */
export function comparisonPivot(entries: readonly PivotEntry[], o: PivotOptions): Table {
  const rows = new Map<string, { header: Cell[]; byColumn: Map<string, PivotEntry> }>();
  for (const e of entries) {
    const id = JSON.stringify(e.row);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { header: e.row, byColumn: new Map() }));
    const seen = row.byColumn.get(e.column);
    row.byColumn.set(e.column, { ...seen, ...e, ours: e.ours ?? seen?.ours, paper: e.paper ?? seen?.paper });
  }
  const present = new Set(entries.map((e) => e.column));
  const columns = o.columns.filter((c) => present.has(c));
  return {
    columns: [...o.rowHeaders, ...columns.flatMap((c) => o.parts.map((p) => partColumn(c, p)))],
    rows: [...rows.values()].map((r) => [...r.header, ...columns.flatMap((c) => o.parts.map((p) => partValue(r.byColumn.get(c), p)))]),
  };
}
