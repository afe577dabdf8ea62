// `vlsm export`: a run or model folder → a folder its home library loads, with a model card.
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { ConfigError } from '../../errors.js';
import { exportModel, homeFormatFor, type ExportDtype, type ExportedModel, type HomeFormat } from '../../models/export/index.js';
import { gitCommit, vlsmVersion } from '../results/index.js';
import { openExportSource, type CheckpointChoice } from './export-source.js';
import { modelCard } from './model-card.js';
import { findRunResults, type RunResults } from './run-results.js';

export { openExportSource, isRunFolder, type CheckpointChoice, type ExportSource, type RunSource } from './export-source.js';
export { modelCard, frontMatter, type ModelCardInput } from './model-card.js';
export { findRunResults, type RunResults } from './run-results.js';

export interface ExportFolderOptions {
  to: string;
  format?: HomeFormat | 'auto';
  checkpoint?: CheckpointChoice;
  dtype?: ExportDtype;
  /** Write into a non-empty folder (same-named files are replaced). */
  force?: boolean;
  /** CRIS: keys under `module.` (default true). */
  modulePrefix?: boolean;
  /** The results store to take test scores from; default the run config's `results`. */
  db?: string;
  /** The model card's title; default the run's name or the folder's. */
  name?: string;
}

export interface ExportFolderResult extends ExportedModel {
  dir: string;
  family: string;
  results: RunResults | undefined;
}

const canonical = (path: string): string => (existsSync(path) ? realpathSync(path) : resolve(path));

/** Checks the target before anything is loaded: not the source, empty unless forced. */
function prepareTarget(source: string, to: string, force: boolean): boolean {
  if (canonical(to) === canonical(source)) throw new ConfigError(`${to}: the export folder is the folder being exported; choose another --to`, to);
  if (existsSync(to)) {
    if (!statSync(to).isDirectory()) throw new ConfigError(`${to}: exists and is not a folder`, to);
    const entries = readdirSync(to);
    if (entries.length > 0 && !force) {
      throw new ConfigError(`${to}: the folder is not empty (${entries.length} entries: ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); choose an empty folder or pass --force to write into it`, to);
    }
    return false;
  }
  mkdirSync(to, { recursive: true });
  return true;
}

/** Exports the run or model folder `path` per `o` and writes README.md (the model card). */
export async function exportFolder(path: string, o: ExportFolderOptions): Promise<ExportFolderResult> {
  const checkpoint = o.checkpoint ?? 'best';
  if (checkpoint !== 'best' && checkpoint !== 'last') throw new ConfigError(`export: --checkpoint must be best or last, got '${String(checkpoint)}'`, undefined, 'checkpoint');
  const created = prepareTarget(path, o.to, o.force === true);
  let source;
  try {
    source = await openExportSource(path, checkpoint);
  } catch (error) {
    if (created) rmSync(o.to, { recursive: true, force: true });
    throw error;
  }
  try {
    homeFormatFor(source.model.family, o.format);
    const dtype = o.dtype ?? 'fp32';
    const exported = exportModel(source.model, o.to, o.format ?? 'auto', { dtype, modulePrefix: o.modulePrefix, sourceFolder: source.sourceFolder });
    const db = o.db ?? source.run?.config.results;
    const storePath = db === undefined ? undefined : isAbsolute(db) ? db : resolve(db);
    const results = storePath && source.run ? findRunResults(storePath, source.run.dir) : undefined;
    const name = o.name ?? source.run?.config.name ?? basename(resolve(path));
    writeFileAtomic(resolve(o.to, 'README.md'), modelCard({ name, family: source.model.family, source, exported, results, dtype, vlsmVersion: vlsmVersion(), gitCommit: gitCommit() }));
    return { ...exported, files: [...exported.files, 'README.md'].sort(), dir: o.to, family: source.model.family, results };
  } catch (error) {
    // A folder this export made holds only a partial export: it goes.
    if (created) rmSync(o.to, { recursive: true, force: true });
    throw error;
  } finally {
    source.model.dispose();
  }
}
