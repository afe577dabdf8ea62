// Runs exported on one machine added to another machine's results database.
import { STUDY_COLUMNS, studyValues } from './rows.js';
import { SCHEMA_VERSION } from './schema.js';
import type { ResultsStore } from './store.js';
import { ResultsStoreError, type ExportDump, type ItemMetricRow } from './types.js';

/**
 * Adds the runs of a JSON export (`exportJson`, e.g. from another machine) with new ids, their
 * items and epochs, in one transaction. Returns old id → new id. A dump that is not an export of
 * this schema is an error naming `source`.
 */
export function importRuns(store: ResultsStore, dump: unknown, source = 'the dump'): Map<number, number> {
  const d = dump as Partial<ExportDump> | null;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.runs) || !Array.isArray(d.items) || !Array.isArray(d.epochs)) {
    throw new ResultsStoreError(`importRuns: ${source} is not a vlsm results export (expected {schemaVersion, runs, items, epochs})`, store.path);
  }
  if (d.schemaVersion !== SCHEMA_VERSION) {
    throw new ResultsStoreError(`importRuns: ${source} has schema version ${String(d.schemaVersion)}, this vlsm reads ${SCHEMA_VERSION}`, store.path);
  }
  const dumpRuns = d.runs;
  const dumpItems = d.items;
  const dumpEpochs = d.epochs;
  return store.transaction('importRuns', (db) => {
    const ids = new Map<number, number>();
    const insertRun = db.prepare(
      `INSERT INTO runs (kind, name, model, config, vlsm_version, git_commit, hostname, cpus, os, libtorch_version, pid, started_at,
         finished_at, duration_s, status, error, ${STUDY_COLUMNS.join(', ')})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${STUDY_COLUMNS.map(() => '?').join(', ')})`,
    );
    for (const r of dumpRuns) {
      const m = r.machine;
      const result = insertRun.run(
        r.kind, r.name, r.model, JSON.stringify(r.config ?? null), r.vlsmVersion, r.gitCommit, m.hostname, m.cpus, m.os, m.libtorchVersion,
        r.pid, r.startedAt, r.finishedAt, r.durationS, r.status, r.error, ...studyValues(r),
      );
      ids.set(r.id, Number(result.lastInsertRowid));
    }
    const newId = (old: number, what: string): number => {
      const id = ids.get(old);
      if (id === undefined) throw new ResultsStoreError(`importRuns: ${source} has ${what} of run ${old}, which it does not list`, store.path);
      return id;
    };
    const byRun = new Map<number, ItemMetricRow[]>();
    for (const it of dumpItems) {
      const id = newId(it.runId, 'items');
      const rows = byRun.get(id) ?? [];
      rows.push({ ...it, dice: it.dice ?? Number.NaN, iou: it.iou ?? Number.NaN });
      byRun.set(id, rows);
    }
    for (const [id, rows] of byRun) store.addItemMetrics(id, rows);
    const insertEpoch = db.prepare(
      `INSERT INTO epochs (run_id, epoch, step, train_loss, val_dice, val_loss, lr, seconds, extra, logged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of dumpEpochs) {
      insertEpoch.run(newId(e.runId, 'epochs'), e.epoch, e.step, e.trainLoss, e.valDice, e.valLoss, e.lr, e.seconds, e.extra ? JSON.stringify(e.extra) : null, e.loggedAt);
    }
    return ids;
  });
}
