// What every vlsm tokenizer returns, and the one place where a sequence is cut and padded.
// Cutting keeps the end token last, as HuggingFace's truncation (which removes content tokens before
// adding the special ones) and CRIS's tokenize(truncate=True) (`tokens[:n]; tokens[-1] = eot`) both do.

import { ConfigError } from '../errors.js';

/** Token ids and attention masks, one row per text (all rows have the same length when padded). */
export interface TokenizerEncoding {
  inputIds: number[][];
  /** 1 on the start token, the text's tokens and the end token; 0 on padding. */
  attentionMask: number[][];
}

export interface EncodeOptions {
  /** Length of every row (with `padding: 'max_length'`) and the most tokens a row may hold. */
  contextLength?: number;
  /** 'max_length' pads every row to `contextLength`; 'none' returns rows of their own length. */
  padding?: 'max_length' | 'none';
  /** Overrides the tokenizer's pad id (openai clip.tokenize and CRIS pad with 0). */
  padId?: number;
  /** true (default) cuts a long text to start, its first contextLength - 2 tokens, end; false throws. */
  truncation?: boolean;
  /** Where a cut text is reported (default console.warn): each distinct text once per sink. */
  warn?: (message: string) => void;
}

/** The resolved form of EncodeOptions that fitSequence works with. */
export interface FitOptions {
  contextLength: number;
  padding: 'max_length' | 'none';
  padId: number;
  truncation: boolean;
  startId: number;
  endId: number;
  warn: (message: string) => void;
}

/** Checks the caller's options once, in the caller's words (`op` names the method). */
export function resolveEncodeOptions(
  op: string,
  options: EncodeOptions,
  defaults: { contextLength: number; padId: number; startId: number; endId: number },
): FitOptions {
  const contextLength = options.contextLength ?? defaults.contextLength;
  if (!Number.isInteger(contextLength) || contextLength < 2) {
    throw new ConfigError(`${op}: contextLength must be an integer of at least 2 (room for the start and end tokens), got ${contextLength}`, undefined, 'contextLength');
  }
  const padding = options.padding ?? 'max_length';
  if (padding !== 'max_length' && padding !== 'none') {
    throw new ConfigError(`${op}: padding must be 'max_length' or 'none', got ${JSON.stringify(padding)}`, undefined, 'padding');
  }
  const padId = options.padId ?? defaults.padId;
  if (!Number.isInteger(padId) || padId < 0) {
    throw new ConfigError(`${op}: padId must be a non-negative integer, got ${padId}`, undefined, 'padId');
  }
  return { contextLength, padding, padId, truncation: options.truncation ?? true, startId: defaults.startId, endId: defaults.endId, warn: options.warn ?? defaultWarn };
}

// console.warn looked up at call time, so output redirected later is honoured.
const defaultWarn = (message: string): void => console.warn(message);

/** Per sink, the texts already reported; after MAX_NAMED distinct ones, one last notice and silence. */
const reported = new WeakMap<(message: string) => void, Set<string>>();
const MAX_NAMED = 20;

function warnTruncated(warn: (message: string) => void, message: string, text: string): void {
  let seen = reported.get(warn);
  if (!seen) reported.set(warn, (seen = new Set()));
  if (seen.has(text) || seen.size > MAX_NAMED) return;
  seen.add(text);
  warn(seen.size > MAX_NAMED ? `${message}; more prompts are cut, they are not named one by one` : message);
}

/**
 * Wraps a text's content ids as start, ids, end; cuts and pads them to the options.
 * `text` is only used in the error message.
 */
export function fitSequence(op: string, text: string, contentIds: readonly number[], o: FitOptions): { ids: number[]; mask: number[] } {
  let content = contentIds;
  if (content.length + 2 > o.contextLength) {
    if (!o.truncation) {
      throw new ConfigError(
        `${op}: ${JSON.stringify(text)} has ${content.length + 2} tokens with start and end, more than the context length ${o.contextLength}; ` +
          'shorten it, raise contextLength, or pass {truncation: true} to keep its first tokens and the end token',
        undefined,
        'truncation',
      );
    }
    warnTruncated(o.warn, `${op}: the prompt ${JSON.stringify(text)} has ${content.length + 2} tokens with start and end, more than the context length ${o.contextLength}; it is cut to its first ${o.contextLength - 2} tokens`, text);
    content = content.slice(0, o.contextLength - 2);
  }
  const ids = [o.startId, ...content, o.endId];
  const mask = ids.map(() => 1);
  if (o.padding === 'max_length') {
    while (ids.length < o.contextLength) {
      ids.push(o.padId);
      mask.push(0);
    }
  }
  return { ids, mask };
}

/** Accepts one text or a list; anything else is a caller error. */
export function asTextList(op: string, texts: string | readonly string[]): readonly string[] {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list)) throw new ConfigError(`${op}: texts must be a string or an array of strings, got ${typeof texts}`);
  list.forEach((t, i) => {
    if (typeof t !== 'string') throw new ConfigError(`${op}: texts[${i}] must be a string, got ${t === null ? 'null' : typeof t}`);
  });
  return list;
}
