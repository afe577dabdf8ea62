// The results database's schema: SQL migrations by version, applied once each, in order, in one
// write transaction, so several processes may open an old file at once.
import type Database from 'better-sqlite3';

/** A dataset folder's last path component in SQL (rtrim leaves the part up to the last '/'). */
const BASENAME = (path: string): string => `replace(rtrim(${path}, '/'), rtrim(rtrim(${path}, '/'), replace(rtrim(${path}, '/'), '/', '')), '')`;

/**
 * Schema 2's study fields for runs recorded before it, from their stored config: the family (a
 * scratch model's, or the one a Hub id, folder or model name contains), fine-tunes stored under
 * that family's name, the setting from the number of training sets, the datasets trained and tested
 * on, the prompt type, and fp32 (the only precision then). Frozen parts need the recipe: left null.
 */
const BACKFILL_STUDY_FIELDS = `
   UPDATE runs SET family = CASE
       WHEN json_valid(config) AND json_type(config, '$.model.family') = 'text' THEN json_extract(config, '$.model.family')
       WHEN lower(model) IN ('clipseg', 'cris', 'biomedclipseg', 'biomedclipseg-d', 'unet', 'unetplusplus', 'deeplabv3plus') THEN lower(model)
       WHEN lower(model) LIKE '%biomedclipseg-d%' OR lower(model) LIKE '%biomedclipseg_d%' THEN 'biomedclipseg-d'
       WHEN lower(model) LIKE '%biomedclipseg%' THEN 'biomedclipseg'
       WHEN lower(model) LIKE '%clipseg%' THEN 'clipseg'
       WHEN lower(model) LIKE '%cris%' THEN 'cris'
       WHEN lower(model) LIKE '%unetplusplus%' OR lower(model) LIKE '%unet++%' THEN 'unetplusplus'
       WHEN lower(model) LIKE '%deeplabv3%' THEN 'deeplabv3plus'
       WHEN lower(model) LIKE '%unet%' THEN 'unet'
     END
   WHERE family IS NULL;
   UPDATE runs SET model = family WHERE kind = 'finetune' AND family IS NOT NULL;
   UPDATE runs SET
       setting = CASE WHEN json_array_length(config, '$.data') = 1 THEN 'individual' ELSE 'pooled' END,
       trained_on = (SELECT json_group_array(coalesce(json_extract(d.value, '$.name'), ${BASENAME("json_extract(d.value, '$.root')")})) FROM json_each(config, '$.data') AS d),
       tested_on = (SELECT json_group_array(coalesce(json_extract(d.value, '$.name'), ${BASENAME("json_extract(d.value, '$.root')")}))
                    FROM (SELECT value FROM json_each(config, '$.data') UNION ALL SELECT value FROM json_each(config, '$.test_data')) AS d),
       prompt_type = json_extract(config, '$.prompt')
   WHERE kind = 'finetune' AND json_valid(config) AND json_type(config, '$.data') = 'array';
   UPDATE runs SET
       tested_on = (SELECT json_group_array(${BASENAME('d.value')}) FROM json_each(config, '$.data') AS d WHERE d.type = 'text'),
       prompt_type = CASE WHEN json_array_length(config, '$.prompts') = 1 THEN json_extract(config, '$.prompts[0]') END
   WHERE kind IN ('eval', 'zeroshot') AND json_valid(config) AND json_type(config, '$.data') = 'array';
   UPDATE runs SET precision = 'fp32' WHERE precision IS NULL;`;

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
  // 2: what the paper's tables need of a run (suite, setting, datasets, frozen parts, family,
  // prompt type, precision, perturbation) and its identity in a suite (a hash of its resolved
  // config). JSON arrays are stored as text; NULL where a run does not say.
  `ALTER TABLE runs ADD COLUMN suite TEXT;
   ALTER TABLE runs ADD COLUMN run_hash TEXT;
   ALTER TABLE runs ADD COLUMN family TEXT;
   ALTER TABLE runs ADD COLUMN setting TEXT;
   ALTER TABLE runs ADD COLUMN trained_on TEXT;
   ALTER TABLE runs ADD COLUMN tested_on TEXT;
   ALTER TABLE runs ADD COLUMN frozen TEXT;
   ALTER TABLE runs ADD COLUMN prompt_type TEXT;
   ALTER TABLE runs ADD COLUMN precision TEXT;
   ALTER TABLE runs ADD COLUMN perturbation TEXT;
   CREATE UNIQUE INDEX runs_hash_done ON runs (run_hash) WHERE status = 'done' AND run_hash IS NOT NULL;
   CREATE INDEX runs_suite ON runs (suite, status);
   ${BACKFILL_STUDY_FIELDS}`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
/** PRAGMA application_id marking a vlsm results file ("vlsm"). */
export const APPLICATION_ID = 0x766c736d;
export const BUSY_TIMEOUT_MS = 10_000;



/**
 * Brings a database to SCHEMA_VERSION; `fail` throws the caller's error naming the file. A file with
 * tables but no vlsm schema version, or of a newer vlsm, is refused.
 */
export function migrate(db: Database.Database, readonly: boolean, fail: (why: string) => never): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    fail(`schema version ${version} is newer than this vlsm understands (${SCHEMA_VERSION}); upgrade vlsm`);
  }
  if (appId !== 0 && appId !== APPLICATION_ID) fail(`not a vlsm results database (SQLite application_id ${appId})`);
  if (version === SCHEMA_VERSION) return;
  if (readonly) fail(`schema version ${version} needs migrating to ${SCHEMA_VERSION}; open it once read-write`);
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current === 0) {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[];
      if (tables.length > 0) fail(`not a vlsm results database (it has tables ${tables.map((t) => t.name).join(', ')} and no vlsm schema version)`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
