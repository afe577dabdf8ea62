// The results store: one embedded SQLite file (better-sqlite3 12; 13 needs Node 22) holding every
// run (its config, vlsm version, git commit, machine, timings, status), one row per evaluated
// item, and the training log per epoch. Several processes may write to one file at once: WAL
// journal, a busy timeout, and every write in one IMMEDIATE transaction (the write lock is taken
// up front, so two writers never deadlock upgrading a read lock).
//
// Metrics are stored as fractions in [0, 1] (NaN as NULL); summaries and tables show them ×100.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, hostname, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { VlsmError } from '../errors.js';
import { summarize, type Summary } from '../eval/aggregate.js';
import { describeFileKind } from '../read-regular-file.js';
import { checkFormat, renderTable, type Table, type TableFormat } from '../report/table-format.js';
import { runTable } from '../report/tables.js';

/** The results database cannot be opened, read or written; names the file. */
export class ResultsStoreError extends VlsmError {
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type RunKind = 'finetune' | 'eval' | 'zeroshot';
export type RunStatus = 'running' | 'done' | 'failed' | 'killed';
export const RUN_KINDS: readonly RunKind[] = ['finetune', 'eval', 'zeroshot'];
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'done', 'failed', 'killed'];

export interface MachineInfo {
  hostname: string;
  cpus: number;
  /** e.g. "linux 6.1.0"; */
  os: string;
  /** The libtorch the run used, when the caller knows it (`torch.version()`). */
  libtorchVersion: string | null;
}

export interface RunStart {
  kind: RunKind;
  /** The resolved config (recipe, model, checkpoint, datasets, prompts, seed); stored as JSON. */
  config: unknown;
  /** The model name rows of the paper's tables use (e.g. "CLIPSeg"); default `config.model` if a string. */
  model?: string | null;
  /** A free label. */
  name?: string | null;
  /** Default: this package's version. */
  vlsmVersion?: string;
  /** Default: `git rev-parse HEAD` of this package's checkout, null outside one. */
  gitCommit?: string | null;
  /** Default: this machine, without the libtorch version unless given. */
  machine?: Partial<MachineInfo>;
  startedAt?: Date;
}

export interface RunRecord {
  id: number;
  kind: RunKind;
  name: string | null;
  model: string | null;
  config: unknown;
  vlsmVersion: string;
  gitCommit: string | null;
  machine: MachineInfo;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  durationS: number | null;
  status: RunStatus;
  error: string | null;
  /** Items stored for the run. */
  items: number;
}

/** One evaluated (image, class) item. Metrics are fractions; counts are pixels. */
export interface ItemMetricRow {
  dataset: string;
  split: string;
  /** The prompt type: "P0" … "P9", "random", or a name. */
  prompt: string;
  imageId: string;
  /** The structure for multi-class datasets (CAMUS "LV"); '' when there is one. */
  className?: string;
  /** 'original' (the paper's tables) or 'model' (model resolution). Default 'original'. */
  resolution?: 'original' | 'model';
  dice: number;
  iou: number;
  onesDiceDiff?: number | null;
  zerosDiceDiff?: number | null;
  gtPixels?: number | null;
  predPixels?: number | null;
  intersection?: number | null;
  pixels?: number | null;
  /** The prompt text, when useful to keep. */
  promptText?: string | null;
}

export interface ItemMetricRecord extends Required<Omit<ItemMetricRow, 'className'>> {
  runId: number;
  className: string;
}

export interface EpochLog {
  epoch: number;
  step?: number | null;
  trainLoss?: number | null;
  valDice?: number | null;
  valLoss?: number | null;
  lr?: number | null;
  /** Wall seconds the epoch took. */
  seconds?: number | null;
  /** Anything else (per-group learning rates, IoU …), stored as JSON. */
  extra?: Record<string, unknown> | null;
}

export interface EpochRecord extends Required<Omit<EpochLog, 'extra'>> {
  runId: number;
  extra: Record<string, unknown> | null;
  loggedAt: string;
}

export interface RunFilter {
  kind?: RunKind;
  status?: RunStatus;
  model?: string;
  ids?: readonly number[];
  /** The newest `limit` runs. */
  limit?: number;
}

/** Mean ± sample std (×100) of one dataset × split × prompt × resolution of a run. */
export interface SummaryRow {
  runId: number;
  kind: RunKind;
  model: string | null;
  dataset: string;
  split: string;
  prompt: string;
  resolution: string;
  dice: Summary;
  iou: Summary;
}

/** What `exportRuns('json')` writes and `importRuns` reads (NaN metrics written as null). */
export interface ExportDump {
  schemaVersion: number;
  runs: RunRecord[];
  items: (Omit<ItemMetricRecord, 'dice' | 'iou'> & { dice: number | null; iou: number | null })[];
  epochs: EpochRecord[];
}

/** Migrations by target `user_version`; each runs once, in order, in one transaction. */
const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL CHECK (kind IN ('finetune', 'eval', 'zeroshot')),
     name TEXT,
     model TEXT,
     config TEXT NOT NULL,
     vlsm_version TEXT NOT NULL,
     git_commit TEXT,
     hostname TEXT NOT NULL,
     cpus INTEGER NOT NULL,
     os TEXT NOT NULL,
     libtorch_version TEXT,
     pid INTEGER NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     duration_s REAL,
     status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'killed')),
     error TEXT
   );
   CREATE TABLE item_metrics (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     dataset TEXT NOT NULL,
     split TEXT NOT NULL,
     prompt TEXT NOT NULL,
     image_id TEXT NOT NULL,
     class TEXT NOT NULL DEFAULT '',
     resolution TEXT NOT NULL DEFAULT 'original' CHECK (resolution IN ('original', 'model')),
     dice REAL,
     iou REAL,
     ones_dice_diff REAL,
     zeros_dice_diff REAL,
     gt_pixels INTEGER,
     pred_pixels INTEGER,
     intersection INTEGER,
     pixels INTEGER,
     prompt_text TEXT,
     PRIMARY KEY (run_id, dataset, split, prompt, image_id, class, resolution)
   ) WITHOUT ROWID;
   CREATE TABLE epochs (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     epoch INTEGER NOT NULL,
     step INTEGER,
     train_loss REAL,
     val_dice REAL,
     val_loss REAL,
     lr REAL,
     seconds REAL,
     extra TEXT,
     logged_at TEXT NOT NULL
   );
   CREATE INDEX epochs_run ON epochs (run_id, epoch);
   CREATE INDEX runs_kind ON runs (kind, status);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
/** PRAGMA application_id marking a vlsm results file ("vlsm"). */
const APPLICATION_ID = 0x766c736d;
const BUSY_TIMEOUT_MS = 10_000;

/** This package's version and root folder (with a trailing slash), from its package.json. */
function packageVersion(): { version: string; root: string | null } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vlsm') return { version: pkg.version ?? 'unknown', root: dir };
    }
    const parent = dirname(dir);
    if (parent === dir) return { version: 'unknown', root: null };
    dir = parent;
  }
}

/** `git rev-parse HEAD` of vlsm's checkout (with "-dirty" when tracked files changed); null outside one. */
export function gitCommit(root: string | null = packageVersion().root): string | null {
  if (!root || !existsSync(join(root, '.git'))) return null;
  try {
    const head = String(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })).trim();
    const dirty = String(execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    // No git binary, or not a repository after all: the commit is simply unknown.
    return null;
  }
}

/** This machine: host name, CPU count, OS; the libtorch version when given. */
export function machineInfo(libtorchVersion: string | null = null): MachineInfo {
  return { hostname: hostname(), cpus: cpus().length, os: `${platform()} ${release()}`, libtorchVersion };
}

const nanToNull = (v: number | null | undefined): number | null => (v === undefined || v === null || Number.isNaN(v) ? null : v);
const nullToNan = (v: number | null): number => (v === null ? Number.NaN : v);

type RunRow = {
  id: number; kind: RunKind; name: string | null; model: string | null; config: string; vlsm_version: string; git_commit: string | null;
  hostname: string; cpus: number; os: string; libtorch_version: string | null; pid: number; started_at: string; finished_at: string | null;
  duration_s: number | null; status: RunStatus; error: string | null; items: number;
};
type ItemRow = {
  run_id: number; dataset: string; split: string; prompt: string; image_id: string; class: string; resolution: 'original' | 'model';
  dice: number | null; iou: number | null; ones_dice_diff: number | null; zeros_dice_diff: number | null; gt_pixels: number | null;
  pred_pixels: number | null; intersection: number | null; pixels: number | null; prompt_text: string | null;
};
type EpochRow = {
  run_id: number; epoch: number; step: number | null; train_loss: number | null; val_dice: number | null; val_loss: number | null;
  lr: number | null; seconds: number | null; extra: string | null; logged_at: string;
};

const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  model: r.model,
  config: JSON.parse(r.config) as unknown,
  vlsmVersion: r.vlsm_version,
  gitCommit: r.git_commit,
  machine: { hostname: r.hostname, cpus: r.cpus, os: r.os, libtorchVersion: r.libtorch_version },
  pid: r.pid,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationS: r.duration_s,
  status: r.status,
  error: r.error,
  items: r.items,
});

const toItem = (r: ItemRow): ItemMetricRecord => ({
  runId: r.run_id,
  dataset: r.dataset,
  split: r.split,
  prompt: r.prompt,
  imageId: r.image_id,
  className: r.class,
  resolution: r.resolution,
  dice: nullToNan(r.dice),
  iou: nullToNan(r.iou),
  onesDiceDiff: r.ones_dice_diff,
  zerosDiceDiff: r.zeros_dice_diff,
  gtPixels: r.gt_pixels,
  predPixels: r.pred_pixels,
  intersection: r.intersection,
  pixels: r.pixels,
  promptText: r.prompt_text,
});

const toEpoch = (r: EpochRow): EpochRecord => ({
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  trainLoss: r.train_loss,
  valDice: r.val_dice,
  valLoss: r.val_loss,
  lr: r.lr,
  seconds: r.seconds,
  extra: r.extra === null ? null : (JSON.parse(r.extra) as Record<string, unknown>),
  loggedAt: r.logged_at,
});

const RUN_SELECT = `SELECT runs.*, (SELECT count(*) FROM item_metrics m WHERE m.run_id = runs.id) AS items FROM runs`;

export class ResultsStore {
  readonly path: string;
  readonly #db: Database.Database;

  /** Use `openResults(path)`. */
  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  /** Runs `fn` in one IMMEDIATE transaction; SQLite errors become ResultsStoreError naming the file. */
  #write<T>(op: string, fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (error) {
      if (error instanceof VlsmError) throw error;
      throw new ResultsStoreError(`${op} in ${this.path}: ${(error as Error).message}`, this.path, { cause: error });
    }
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
    const pkg = start.vlsmVersion === undefined || start.gitCommit === undefined ? packageVersion() : { version: start.vlsmVersion, root: null };
    const machine = { ...machineInfo(), ...start.machine };
    // Outside the transaction: `git` is a subprocess, and the write lock is shared by every writer.
    const commit = start.gitCommit !== undefined ? start.gitCommit : gitCommit(pkg.root);
    return this.#write('startRun', () => {
      const result = this.#db
        .prepare(
          `INSERT INTO runs (kind, name, model, config, vlsm_version, git_commit, hostname, cpus, os, libtorch_version, pid, started_at, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`,
        )
        .run(
          start.kind, start.name ?? null, model, config, start.vlsmVersion ?? pkg.version,
          commit,
          machine.hostname, machine.cpus, machine.os, machine.libtorchVersion ?? null, process.pid, (start.startedAt ?? new Date()).toISOString(),
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
    if (filter.ids) (where.push(`id IN (${filter.ids.map(() => '?').join(', ') || 'NULL'})`), params.push(...filter.ids));
    const sql = `${RUN_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC${filter.limit !== undefined ? ' LIMIT ?' : ''}`;
    if (filter.limit !== undefined) params.push(filter.limit);
    return this.#read('listRuns', () => (this.#db.prepare(sql).all(...params) as RunRow[]).map(toRun));
  }

  /** One run; an error naming the id and file when there is none. */
  getRun(runId: number): RunRecord {
    const row = this.#read('getRun', () => this.#db.prepare(`${RUN_SELECT} WHERE id = ?`).get(runId) as RunRow | undefined);
    if (!row) throw new ResultsStoreError(`no run ${runId} in ${this.path}`, this.path);
    return toRun(row);
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
   * Exports runs: 'json' dumps runs (with config and machine), items and epochs as one object;
   * 'csv' is one line per item joined with its run; 'md' a summary table (mean ± std ×100 per run,
   * dataset, split, prompt).
   */
  exportRuns(format: TableFormat, filter: RunFilter = {}): string {
    checkFormat(format, 'exportRuns');
    const runs = this.listRuns(filter).reverse();
    const ids = runs.map((r) => r.id);
    if (format === 'json') {
      const dump: ExportDump = { schemaVersion: SCHEMA_VERSION, runs, items: this.itemMetrics(ids), epochs: runs.flatMap((r) => this.epochs(r.id)) };
      return JSON.stringify(dump, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2) + '\n';
    }
    if (format === 'csv') return renderTable(itemsTable(runs, this.itemMetrics(ids)), 'csv');
    return renderTable(runTable(runs.flatMap((r) => this.runSummary(r.id))), 'md');
  }

  /**
   * Adds the runs of a JSON export (`exportRuns('json')`, e.g. from another machine) with new ids,
   * their items and epochs, in one transaction. Returns old id → new id. A dump that is not an
   * export of this schema is an error naming `source`.
   */
  importRuns(dump: unknown, source = 'the dump'): Map<number, number> {
    const d = dump as Partial<ExportDump> | null;
    if (typeof d !== 'object' || d === null || !Array.isArray(d.runs) || !Array.isArray(d.items) || !Array.isArray(d.epochs)) {
      throw new ResultsStoreError(`importRuns: ${source} is not a vlsm results export (expected {schemaVersion, runs, items, epochs})`, this.path);
    }
    if (d.schemaVersion !== SCHEMA_VERSION) {
      throw new ResultsStoreError(`importRuns: ${source} has schema version ${String(d.schemaVersion)}, this vlsm reads ${SCHEMA_VERSION}`, this.path);
    }
    const dumpRuns = d.runs;
    const dumpItems = d.items;
    const dumpEpochs = d.epochs;
    return this.#write('importRuns', () => {
      const ids = new Map<number, number>();
      const insertRun = this.#db.prepare(
        `INSERT INTO runs (kind, name, model, config, vlsm_version, git_commit, hostname, cpus, os, libtorch_version, pid, started_at,
           finished_at, duration_s, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of dumpRuns) {
        const m = r.machine;
        const result = insertRun.run(
          r.kind, r.name, r.model, JSON.stringify(r.config ?? null), r.vlsmVersion, r.gitCommit, m.hostname, m.cpus, m.os, m.libtorchVersion,
          r.pid, r.startedAt, r.finishedAt, r.durationS, r.status, r.error,
        );
        ids.set(r.id, Number(result.lastInsertRowid));
      }
      const newId = (old: number, what: string): number => {
        const id = ids.get(old);
        if (id === undefined) throw new ResultsStoreError(`importRuns: ${source} has ${what} of run ${old}, which it does not list`, this.path);
        return id;
      };
      const byRun = new Map<number, ItemMetricRow[]>();
      for (const it of dumpItems) {
        const id = newId(it.runId, 'items');
        const rows = byRun.get(id) ?? [];
        rows.push({ ...it, dice: it.dice ?? Number.NaN, iou: it.iou ?? Number.NaN });
        byRun.set(id, rows);
      }
      for (const [id, rows] of byRun) this.addItemMetrics(id, rows);
      const insertEpoch = this.#db.prepare(
        `INSERT INTO epochs (run_id, epoch, step, train_loss, val_dice, val_loss, lr, seconds, extra, logged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of dumpEpochs) {
        insertEpoch.run(newId(e.runId, 'epochs'), e.epoch, e.step, e.trainLoss, e.valDice, e.valLoss, e.lr, e.seconds, e.extra ? JSON.stringify(e.extra) : null, e.loggedAt);
      }
      return ids;
    });
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

/** Whether a process with this id exists on this machine (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A 'running' run of this machine whose process has ended: killed without a chance to say so. */
export function isAbandoned(run: Pick<RunRecord, 'status' | 'pid' | 'machine'>): boolean {
  return run.status === 'running' && run.machine.hostname === hostname() && run.pid !== process.pid && !processAlive(run.pid);
}

/**
 * Runs `fn` as a recorded run: `startRun`, then `finishRun` 'done' with its result, or 'failed'
 * with the error (rethrown). SIGINT and SIGTERM mark the run 'killed' and then end the process as
 * the signal would have.
 *
 * @example await recordRun(store, { kind: 'eval', config }, async (runId) => evaluate(..., runId))
 */
export async function recordRun<T>(store: ResultsStore, start: RunStart, fn: (runId: number) => Promise<T>): Promise<T> {
  const runId = store.startRun(start);
  const onSignal = (signal: NodeJS.Signals): void => {
    detach();
    store.finishRun(runId, { status: 'killed', error: `stopped by ${signal}` });
    process.kill(process.pid, signal);
  };
  const detach = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await fn(runId);
    detach();
    store.finishRun(runId);
    return result;
  } catch (error) {
    detach();
    store.finishRun(runId, { error });
    throw error;
  }
}

export const ITEM_COLUMNS = [
  'run_id', 'kind', 'model', 'dataset', 'split', 'prompt', 'image_id', 'class', 'resolution', 'dice', 'iou',
  'ones_dice_diff', 'zeros_dice_diff', 'gt_pixels', 'pred_pixels', 'intersection', 'pixels', 'prompt_text',
];

/** One row per item, with its run's kind and model; metrics as fractions at full precision. */
export function itemsTable(runs: readonly RunRecord[], items: readonly ItemMetricRecord[]): Table {
  const byId = new Map(runs.map((r) => [r.id, r]));
  return {
    columns: ITEM_COLUMNS,
    rows: items.map((m) => {
      const run = byId.get(m.runId);
      return [
        m.runId, run?.kind ?? null, run?.model ?? null, m.dataset, m.split, m.prompt, m.imageId, m.className, m.resolution,
        m.dice, m.iou, m.onesDiceDiff, m.zerosDiceDiff, m.gtPixels, m.predPixels, m.intersection, m.pixels, m.promptText,
      ];
    }),
  };
}

/** The default results file name, in the working directory. */
export const DEFAULT_RESULTS_FILE = 'vlsm-results.sqlite';

/** Where results go: `explicit` (a --db flag), else $VLSM_RESULTS, else ./vlsm-results.sqlite. */
export function resultsPath(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.VLSM_RESULTS || join(process.cwd(), DEFAULT_RESULTS_FILE);
}

/**
 * Opens (creating if needed) a results database: WAL journal, busy timeout, foreign keys, schema
 * migrated to the current version. A file that is not a vlsm results database, is damaged, or
 * comes from a newer vlsm is a ResultsStoreError naming it.
 */
export function openResults(path: string, o: { readonly?: boolean } = {}): ResultsStore {
  const fail = (why: string, cause?: unknown): never => {
    throw new ResultsStoreError(`results database ${path}: ${why}`, path, cause === undefined ? undefined : { cause });
  };
  if (o.readonly && !existsSync(path)) fail('no such file; run an evaluation first, or pass --db / set $VLSM_RESULTS');
  // SQLite would block forever reading a FIFO, or read a device without end.
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isFile()) fail(`it is ${describeFileKind(stats)}, not a regular file`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: o.readonly ?? false, fileMustExist: o.readonly ?? false, timeout: BUSY_TIMEOUT_MS });
    const opened = db;
    if (!o.readonly) opened.pragma('journal_mode = WAL');
    opened.pragma('foreign_keys = ON');
    const version = opened.pragma('user_version', { simple: true }) as number;
    const appId = opened.pragma('application_id', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      fail(`schema version ${version} is newer than this vlsm understands (${SCHEMA_VERSION}); upgrade vlsm`);
    }
    if (appId !== 0 && appId !== APPLICATION_ID) fail(`not a vlsm results database (SQLite application_id ${appId})`);
    if (version < SCHEMA_VERSION) {
      if (o.readonly) fail(`schema version ${version} needs migrating to ${SCHEMA_VERSION}; open it once read-write`);
      opened.transaction(() => {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        const current = opened.pragma('user_version', { simple: true }) as number;
        if (current === 0) {
          const tables = opened.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[];
          if (tables.length > 0) fail(`not a vlsm results database (it has tables ${tables.map((t) => t.name).join(', ')} and no vlsm schema version)`);
          opened.pragma(`application_id = ${APPLICATION_ID}`);
        }
        for (let v = current; v < SCHEMA_VERSION; v++) {
          opened.exec(MIGRATIONS[v]);
          opened.pragma(`user_version = ${v + 1}`);
        }
      }).immediate();
    }
    return new ResultsStore(path, opened);
  } catch (error) {
    db?.close();
    if (error instanceof ResultsStoreError) throw error;
    const message = (error as Error).message;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/.test(message)) {
      return fail(`${message}: the file is damaged or not an SQLite database; move it aside (a new one is created) or pass another --db`, error);
    }
    return fail(message, error);
  }
}
