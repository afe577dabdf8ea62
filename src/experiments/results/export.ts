// A results export as data: runs (with config and machine), their items and epochs, which
// `importRuns` reads back on another machine. Tables of them are the report's business.
import { SCHEMA_VERSION } from './schema.js';
import type { ResultsStore } from './store.js';
import type { ExportDump, RunFilter } from './types.js';

/** The runs matching `filter` (oldest first), their items and epochs. */
export function exportDump(store: ResultsStore, filter: RunFilter = {}): ExportDump {
  const runs = store.listRuns(filter).reverse();
  return { schemaVersion: SCHEMA_VERSION, runs, items: store.itemMetrics(runs.map((r) => r.id)), epochs: runs.flatMap((r) => store.epochs(r.id)) };
}

/** `exportDump` as indented JSON, NaN metrics written as null. */
export function exportJson(store: ResultsStore, filter: RunFilter = {}): string {
  return JSON.stringify(exportDump(store, filter), (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2) + '\n';
}
