// Pooled datasets: a named list of dataset roots read as one, each record keeping its source
// dataset in `metadata.dataset`. The paper's two pools (§4, Table 3) are predefined; ETIS,
// ColonDB and CVC-300 are test-only and pooled in neither.
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { DatasetRecord } from './record.js';
import { readReferenceDataset } from './reference-layout.js';

export interface PoolMember {
  /** Dataset name (the reference's folder name under data/, e.g. "kvasir_polyp"). */
  readonly name: string;
  /** Prompt family of the member. */
  readonly family: 'endoscopy' | 'isic' | 'dfu' | 'busi' | 'camus' | 'chexlocalize';
}

export interface PooledDataset {
  readonly name: string;
  readonly members: readonly PoolMember[];
}

const ENDOSCOPY: readonly PoolMember[] = [
  { name: 'kvasir_polyp', family: 'endoscopy' },
  { name: 'clinicdb_polyp', family: 'endoscopy' },
  { name: 'bkai_polyp', family: 'endoscopy' },
];

export const PREDEFINED_POOLS: Readonly<Record<string, PooledDataset>> = {
  endoscopy: { name: 'endoscopy', members: ENDOSCOPY },
  all: {
    name: 'all',
    members: [
      ...ENDOSCOPY,
      { name: 'isic', family: 'isic' },
      { name: 'dfu', family: 'dfu' },
      { name: 'camus', family: 'camus' },
      { name: 'busi', family: 'busi' },
      { name: 'chexlocalize', family: 'chexlocalize' },
    ],
  },
};

export function predefinedPool(name: string): PooledDataset {
  const pool = PREDEFINED_POOLS[name];
  if (pool === undefined) throw new ConfigError(`unknown pooled dataset "${name}"; predefined pools: ${Object.keys(PREDEFINED_POOLS).join(', ')}`, undefined, 'pool');
  return pool;
}

/**
 * Reads every member from `<dataRoot>/<member name>` (or from `roots[member name]` when given)
 * and returns all records; ids become `<member>/<id>` and `metadata.dataset` names the member.
 */
export async function readPooledDataset(pool: PooledDataset, dataRoot: string, roots: Readonly<Record<string, string>> = {}): Promise<DatasetRecord[]> {
  const out: DatasetRecord[] = [];
  for (const member of pool.members) {
    const dataset = await readReferenceDataset(roots[member.name] ?? join(dataRoot, member.name));
    for (const record of dataset.records) {
      out.push({ ...record, id: `${member.name}/${record.id}`, metadata: { ...record.metadata, dataset: member.name, family: member.family } });
    }
  }
  return out;
}
