// CAMUS `Info_2CH.cfg` / `Info_4CH.cfg`: lines "Key: value", split at the first colon and
// trimmed (docs/prompts.md §4.2).
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../../errors.js';

export function parseCamusCfg(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at < 0) continue;
    fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}

export interface CamusInfo {
  readonly sex: string;
  readonly age: string;
  readonly quality: string;
}

/** Reads Sex, Age and ImageQuality from a cfg file; a missing key names the file and key. */
export async function readCamusInfo(path: string): Promise<CamusInfo> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`${path}: cannot read CAMUS info file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, path, { cause: error });
  }
  const fields = parseCamusCfg(text);
  const need = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new DatasetError(`${path}: CAMUS info file has no "${key}:" line`, path);
    return value;
  };
  return { sex: need('Sex'), age: need('Age'), quality: need('ImageQuality') };
}
