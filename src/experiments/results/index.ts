// The results store: runs, evaluated items and training logs in one SQLite file.
export {
  ResultsStoreError, RUN_KINDS, RUN_SETTINGS, RUN_STATUSES,
  type EpochLog, type EpochRecord, type ExportDump, type ItemMetricRecord, type ItemMetricRow, type MachineInfo,
  type Perturbation, type RunFilter, type RunKind, type RunSetting, type StudyFields, type RunRecord, type RunStart, type RunStatus, type SummaryRow,
} from './types.js';
export { SCHEMA_VERSION } from './schema.js';
export { gitCommit, machineInfo, vlsmVersion } from './provenance.js';
export { ResultsStore } from './store.js';
export { isAbandoned } from './abandoned.js';
export { recordRun } from './record-run.js';
export { exportDump, exportJson } from './export.js';
export { importRuns } from './import.js';
export { DEFAULT_RESULTS_FILE, openResults, resultsPath } from './open.js';
