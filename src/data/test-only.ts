// The test-only endoscopy sets (ETIS, CVC-ColonDB, CVC-300): the paper scores every image of them
// (196, 380, 60), while the reference's shipped annotation files put 20 of them in train.json, so
// all of their splits are scored (docs/prompts.md §5).
import { basename } from 'node:path';

/** Folder names of the test-only sets: the reference's and vlsm's importer formats. */
export const TEST_ONLY_DATASETS: readonly string[] = [
  'etis_polyp', 'colondb_polyp', 'cvc300_polyp',
  'etis', 'colondb', 'cvc300',
  'etis-larib', 'cvc-colondb', 'cvc-300',
];

/** Whether a dataset (by name, or by its folder's name) is a test-only set. */
export const isTestOnlyDataset = (name: string): boolean => TEST_ONLY_DATASETS.includes(basename(name).toLowerCase());
