// The model registry: plain data, name → family (segmentation_models_pytorch's habit). Nothing
// registers itself on import; a family joins by being listed here.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readConfigText } from './config-file.js';
import { clipsegFamily } from './clipseg/family.js';
import { crisFamily } from './cris/family.js';
import { biomedClipSegDFamily, biomedClipSegFamily } from './biomedclipseg/family.js';
import { cnnFamilies } from './cnn/family.js';
import type { LoadOptions, ModelFamily, SegmentationModel } from './types.js';
import { describeJsonError } from '../json-error.js';

// Order matters where detection overlaps: -D claims a folder that still holds a CLIPSeg checkpoint.
export const families: readonly ModelFamily[] = [clipsegFamily, crisFamily, biomedClipSegDFamily, biomedClipSegFamily, ...cnnFamilies];

export function familyNamed(name: string): ModelFamily {
  const family = families.find((f) => f.name === name);
  if (!family) throw new ConfigError(`unknown model family '${name}'; supported: ${families.map((f) => f.name).join(', ')}`);
  return family;
}

function readFolderConfig(folder: string): Record<string, unknown> | undefined {
  const path = join(folder, 'config.json');
  if (!existsSync(path)) return undefined;
  const text = readConfigText(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path}: not valid JSON (${describeJsonError(cause, text)})`, path, undefined, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${path}: expected a JSON object`, path);
  return json as Record<string, unknown>;
}

/** The family of a checkpoint folder, or `family` when given; an error listing the families otherwise. */
export function detectFamily(folder: string, family?: string): ModelFamily {
  if (family) return familyNamed(family);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ConfigError(`${folder}: not a folder`, folder);
  const config = readFolderConfig(folder);
  const found = families.find((f) => f.detect(folder, config));
  if (!found) {
    throw new ConfigError(
      `${folder}: no model family recognises this checkpoint folder (config.json model_type: ${JSON.stringify(config?.model_type)}); ` +
        `supported: ${families.map((f) => `${f.name} (${f.description})`).join('; ')}. Name one with --family.`,
      folder,
    );
  }
  return found;
}

/** Loads a checkpoint folder with its family (detected, or named). */
export async function loadFolder(folder: string, options: LoadOptions & { family?: string } = {}): Promise<SegmentationModel> {
  return detectFamily(folder, options.family).load(folder, options);
}
