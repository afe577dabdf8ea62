// The results store: one embedded SQLite file (better-sqlite3 12; 13 needs Node 22) holding every
// run (its config, vlsm version, git commit, machine, timings, status), one row per evaluated
// item, and the training log per epoch. Several processes may write to one file at once: WAL
// journal, a busy timeout, and every write in one IMMEDIATE transaction (the write lock is taken
// up front, so two writers never deadlock upgrading a read lock).
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { VlsmError } from '../../errors.js';
import { summarize } from '../../eval/aggregate.js';
import { isAbandoned } from './abandoned.js';
import { gitCommit, machineInfo, vlsmVersion } from './provenance.js';
import { nanToNull, RUN_SELECT, STUDY_COLUMNS, studyValues, toEpoch, toItem, toRun, type EpochRow, type ItemRow, type RunRow } from './rows.js';
import {
  ResultsStoreError, RUN_KINDS, RUN_STATUSES,
  type EpochLog, type EpochRecord, type ItemMetricRecord, type ItemMetricRow, type RunFilter, type RunRecord, type RunStart, type RunStatus, type SummaryRow,
} from './types.js';

export class ResultsStore {
  readonly path: string;
  readonly #db: Database.Database;

  /** Use `openResults(path)`. */
  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock taken up front); SQLite errors become a
   * ResultsStoreError naming the operation and the file. Export and import build on it.
   */
  transaction<T>(op: string, fn: (db: Database.Database) => T): T {
    try {
      return this.#db.transaction(() => fn(this.#db)).immediate();
    } catch (error) {
      if (error instanceof VlsmError) throw error;
      throw new ResultsStoreError(`${op} in ${this.path}: ${(error as Error).message}`, this.path, { cause: error });
    }
  }

  #write<T>(op: string, fn: () => T): T {
    return this.transaction(op, fn);
  }

  #read<T>(op: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof VlsmError) throw error;
      throw new ResultsStoreError(`${op} in ${this.path}: ${(error as Error).message}`, this.path, { cause: error });
    }
  }

  /** Records a run as 'running' and returns its id. */
  startRun(start: RunStart): number {
    if (!RUN_KINDS.includes(start.kind)) throw new TypeError(`startRun: kind must be one of ${RUN_KINDS.join(', ')}, got ${JSON.stringify(start.kind)}`);
    const config = JSON.stringify(start.config ?? null);
    const configModel = (start.config as { model?: unknown } | null)?.model;
    const model = start.model !== undefined ? start.model : typeof configModel === 'string' ? configModel : null;
    const version = start.vlsmVersion ?? vlsmVersion();
    const machine = { ...machineInfo(), ...start.machine };
    // Outside the transaction: `git` is a subprocess, and the write lock is shared by every writer.
    const commit = start.gitCommit !== undefined ? start.gitCommit : gitCommit();
    return this.#write('startRun', () => {
      const result = this.#db
        .prepare(
          `INSERT INTO runs (kind, name, model, config, vlsm_version, git_commit, hostname, cpus, os, libtorch_version, pid, started_at, status,
             ${STUDY_COLUMNS.join(', ')})
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ${STUDY_COLUMNS.map(() => '?').join(', ')})`,
        )
        .run(
          start.kind, start.name ?? null, model, config, version,
          commit,
          machine.hostname, machine.cpus, machine.os, machine.libtorchVersion ?? null, process.pid, (start.startedAt ?? new Date()).toISOString(),
          ...studyValues(start),
        );
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Marks a run finished: 'done' by default, 'failed' when `error` is given; 'killed' for a run
   * stopped by a signal. Sets the finish time and the duration.
   */
  finishRun(runId: number, o: { status?: Exclude<RunStatus, 'running'>; error?: unknown; finishedAt?: Date } = {}): void {
    const status = o.status ?? (o.error !== undefined ? 'failed' : 'done');
    if (!RUN_STATUSES.includes(status) || (status as RunStatus) === 'running') {
      throw new TypeError(`finishRun: status must be done, failed or killed, got ${JSON.stringify(status)}`);
    }
    const error = o.error === undefined ? null : o.error instanceof Error ? (o.error.stack ?? o.error.message) : String(o.error);
    const finished = o.finishedAt ?? new Date();
    this.#write('finishRun', () => {
      const run = this.#db.prepare('SELECT started_at FROM runs WHERE id = ?').get(runId) as { started_at: string } | undefined;
      if (!run) throw new ResultsStoreError(`finishRun: no run ${runId} in ${this.path}`, this.path);
      const duration = (finished.getTime() - Date.parse(run.started_at)) / 1000;
      this.#db
        .prepare('UPDATE runs SET status = ?, error = ?, finished_at = ?, duration_s = ? WHERE id = ?')
        .run(status, error, finished.toISOString(), duration, runId);
    });
  }

  /** Stores items of a run in one transaction; returns how many. A repeated item is an error naming it. */
  addItemMetrics(runId: number, rows: readonly ItemMetricRow[]): number {
    return this.#write('addItemMetrics', () => {
      if (!this.#db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) {
        throw new ResultsStoreError(`addItemMetrics: no run ${runId} in ${this.path}; start it with startRun first`, this.path);
      }
      const insert = this.#db.prepare(
        `INSERT INTO item_metrics (run_id, dataset, split, prompt, image_id, class, resolution, dice, iou, ones_dice_diff, zeros_dice_diff,
           gt_pixels, pred_pixels, intersection, pixels, prompt_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) {
        const className = r.className ?? '';
        const resolution = r.resolution ?? 'original';
        try {
          insert.run(
            runId, r.dataset, r.split, r.prompt, r.imageId, className, resolution, nanToNull(r.dice), nanToNull(r.iou),
            nanToNull(r.onesDiceDiff), nanToNull(r.zerosDiceDiff), r.gtPixels ?? null, r.predPixels ?? null, r.intersection ?? null,
            r.pixels ?? null, r.promptText ?? null,
          );
        } catch (error) {
          const what = `${r.dataset}/${r.split}/${r.prompt}/${r.imageId}${className ? `/${className}` : ''} (${resolution})`;
          const code = (error as { code?: string }).code;
          const reason = code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'is already stored for this run' : (error as Error).message;
          throw new ResultsStoreError(`addItemMetrics: run ${runId}, item ${what} ${reason} (${this.path})`, this.path, { cause: error });
        }
      }
      return rows.length;
    });
  }

  /** Appends one line of the training log. */
  logEpoch(runId: number, e: EpochLog): void {
    this.#write('logEpoch', () => {
      this.#db
        .prepare(
          `INSERT INTO epochs (run_id, epoch, step, train_loss, val_dice, val_loss, lr, seconds, extra, logged_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          runId, e.epoch, e.step ?? null, nanToNull(e.trainLoss), nanToNull(e.valDice), nanToNull(e.valLoss), nanToNull(e.lr),
          e.seconds ?? null, e.extra ? JSON.stringify(e.extra) : null, new Date().toISOString(),
        );
    });
  }

  /** Runs, newest first. */
  listRuns(filter: RunFilter = {}): RunRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind) (where.push('kind = ?'), params.push(filter.kind));
    if (filter.status) (where.push('status = ?'), params.push(filter.status));
    if (filter.model) (where.push('model = ?'), params.push(filter.model));
    if (filter.suite) (where.push('suite = ?'), params.push(filter.suite));
    if (filter.family) (where.push('family = ?'), params.push(filter.family));
    if (filter.runHash) (where.push('run_hash = ?'), params.push(filter.runHash));
    if (filter.ids) (where.push(`id IN (${filter.ids.map(() => '?').join(', ') || 'NULL'})`), params.push(...filter.ids));
    const sql = `${RUN_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC${filter.limit !== undefined ? ' LIMIT ?' : ''}`;
    if (filter.limit !== undefined) params.push(filter.limit);
    return this.#read('listRuns', () => (this.#db.prepare(sql).all(...params) as RunRow[]).map(toRun));
  }

  /** One run; an error naming the id and file when there is none. */
  getRun(runId: number): RunRecord {
    const row = this.#read('getRun', () => this.#db.prepare(`${RUN_SELECT} WHERE id = ?`).get(runId) as RunRow | undefined);
    if (!row) throw new ResultsStoreError(`no run ${runId} in ${this.path}`, this.path);
    return this.#read('getRun', () => toRun(row));
  }

  /** The items of some runs (all runs when `runIds` is omitted), in storage order. */
  itemMetrics(runIds?: readonly number[]): ItemMetricRecord[] {
    const where = runIds ? ` WHERE run_id IN (${runIds.map(() => '?').join(', ') || 'NULL'})` : '';
    const sql = `SELECT * FROM item_metrics${where} ORDER BY run_id, dataset, split, prompt, resolution, image_id, class`;
    return this.#read('itemMetrics', () => (this.#db.prepare(sql).all(...(runIds ?? [])) as ItemRow[]).map(toItem));
  }

  /** The training log of a run, in epoch order. */
  epochs(runId: number): EpochRecord[] {
    return this.#read('epochs', () => (this.#db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch, step, rowid').all(runId) as EpochRow[]).map(toEpoch));
  }

  /**
   * Mean ± sample std (×100) of Dice and IoU per dataset × split × prompt × resolution, classes
   * pooled as the paper pools items (CAMUS: 600 items over 3 structures).
   */
  runSummary(runId: number): SummaryRow[] {
    const run = this.getRun(runId);
    const groups = new Map<string, { key: Omit<SummaryRow, 'dice' | 'iou'>; dice: number[]; iou: number[] }>();
    for (const item of this.itemMetrics([runId])) {
      const id = JSON.stringify([item.dataset, item.split, item.prompt, item.resolution]);
      let g = groups.get(id);
      if (!g) {
        g = { key: { runId, kind: run.kind, model: run.model, dataset: item.dataset, split: item.split, prompt: item.prompt, resolution: item.resolution }, dice: [], iou: [] };
        groups.set(id, g);
      }
      g.dice.push(item.dice * 100);
      g.iou.push(item.iou * 100);
    }
    return [...groups.values()].map((g) => ({ ...g.key, dice: summarize(g.dice), iou: summarize(g.iou) }));
  }

  /**
   * Marks as 'killed' the runs still 'running' whose process on this machine has ended without
   * finishing them (a crash, `kill -9`, a power cut). Returns their ids. Runs of other machines
   * are left alone: their processes cannot be seen from here.
   */
  reapKilledRuns(): number[] {
    const host = hostname();
    const candidates = this.#read('reapKilledRuns', () =>
      this.#db.prepare(`SELECT id, pid FROM runs WHERE status = 'running' AND hostname = ?`).all(host) as { id: number; pid: number }[],
    );
    const dead = candidates.filter((r) => isAbandoned({ status: 'running', pid: r.pid, machine: { hostname: host, cpus: 0, os: '', libtorchVersion: null } }));
    if (dead.length === 0) return [];
    const now = new Date();
    this.#write('reapKilledRuns', () => {
      const update = this.#db.prepare(
        `UPDATE runs SET status = 'killed', error = ?, finished_at = ?, duration_s = (julianday(?) - julianday(started_at)) * 86400
         WHERE id = ? AND status = 'running'`,
      );
      for (const r of dead) update.run(`process ${r.pid} on ${host} ended without finishing the run`, now.toISOString(), now.toISOString(), r.id);
    });
    return dead.map((r) => r.id);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
