// The frozen-feature cache: when a model's encoders do not train, their outputs for an image (or
// a prompt) never change, so they are computed once and reused every epoch. Entries live in
// memory up to a byte budget and on disk (safetensors, one file per entry) beyond it. Keys cover
// everything that determines a feature: the model and its frozen weights, the preprocessing, and
// the image bytes (or the prompt text).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import { elementSize } from '../torch/dtype.js';

type Tensor = torch.Tensor;

export interface FeatureCacheOptions {
  /** Bytes kept in memory before entries spill to disk (default 2 GiB). */
  memoryBudget?: number;
  /** Folder for spilled entries; without it, entries beyond the budget are recomputed. */
  diskDir?: string;
  /**
   * 'bfloat16' stores floating-point features in bfloat16 (half the memory and disk; 8 significant
   * bits, as bf16 autocast computes them anyway); `get` then hands them back as float32.
   * Default 'float32': features are stored as computed.
   */
  dtype?: 'float32' | 'bfloat16';
}

export interface FeatureCacheStats { hits: number; misses: number; diskHits: number; memoryBytes: number; diskEntries: number }

/** sha256 hex of bytes or text. */
export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** A key for a module's frozen weights: a hash over every parameter and buffer's name and bytes. */
export function weightsHash(module: torch.nn.Module): string {
  const hash = createHash('sha256');
  for (const [name, t] of module.stateDict()) {
    hash.update(`${name}:${t.dtype}:${t.shape.join('x')};`);
    hash.update(new Uint8Array(t.bytes()));
  }
  return hash.digest('hex');
}

export class FeatureCache {
  readonly #memory = new Map<string, Tensor[]>();
  readonly #onDisk = new Set<string>();
  readonly #pending: Tensor[] = [];
  readonly #budget: number;
  readonly #dir: string | undefined;
  readonly #storeBfloat16: boolean;
  #bytes = 0;
  readonly stats: FeatureCacheStats = { hits: 0, misses: 0, diskHits: 0, memoryBytes: 0, diskEntries: 0 };

  /** `namespace` identifies the model, frozen weights and preprocessing; it prefixes every key. */
  constructor(readonly namespace: string, options: FeatureCacheOptions = {}) {
    this.#budget = options.memoryBudget ?? 2 * 1024 ** 3;
    this.#storeBfloat16 = options.dtype === 'bfloat16';
    this.#dir = options.diskDir ? join(options.diskDir, sha256(namespace).slice(0, 16)) : undefined;
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  #key(id: string): string {
    return sha256(`${this.namespace}\u0000${id}`);
  }

  /** The cached tensors for `id`, or undefined. Returned tensors belong to the cache: do not dispose. */
  get(id: string): Tensor[] | undefined {
    const key = this.#key(id);
    const inMemory = this.#memory.get(key);
    if (inMemory) {
      this.stats.hits++;
      return this.#widened(inMemory);
    }
    const path = this.#dir ? join(this.#dir, `${key}.safetensors`) : undefined;
    // Files from an earlier run with the same namespace count too.
    if (path && (this.#onDisk.has(key) || existsSync(path))) {
      const loaded = torch.io.loadSafetensors(path);
      const tensors = [...Array(loaded.size).keys()].map((i) => loaded.get(String(i))!.keep());
      this.stats.diskHits++;
      this.stats.hits++;
      return this.#remember(key, tensors) ? this.#widened(tensors) : this.#widened(this.#transient(tensors));
    }
    this.stats.misses++;
    return undefined;
  }

  /** Stores `tensors` (one entry); they are detached and kept. Returns the stored tensors. */
  set(id: string, tensors: readonly Tensor[]): Tensor[] {
    const key = this.#key(id);
    const owned = tensors.map((t) => this.#narrowed(t.detach()).contiguous().keep());
    if (this.#remember(key, owned)) return this.#widened(owned);
    if (this.#dir && !this.#onDisk.has(key)) {
      torch.io.saveSafetensors(join(this.#dir, `${key}.safetensors`), Object.fromEntries(owned.map((t, i) => [String(i), t])));
      this.#onDisk.add(key);
      this.stats.diskEntries++;
    }
    return this.#widened(this.#transient(owned));
  }

  #narrowed(t: Tensor): Tensor {
    return this.#storeBfloat16 && t.dtype === 'float32' ? t.to('bfloat16') : t;
  }

  /** Stored bfloat16 entries as float32 copies, freed with the step's transient tensors. */
  #widened(tensors: Tensor[]): Tensor[] {
    if (!this.#storeBfloat16) return tensors;
    return tensors.map((t) => (t.dtype === 'bfloat16' ? this.#transient([t.float().keep()])[0]! : t));
  }

  /** Entries that fit neither memory nor disk are handed back for one use and freed by the caller's scope. */
  #transient(tensors: Tensor[]): Tensor[] {
    for (const t of tensors) this.#pending.push(t);
    return tensors;
  }

  /** Frees tensors handed out without being stored (call once a step is done). */
  releaseTransient(): void {
    for (const t of this.#pending.splice(0)) t.dispose();
  }

  #remember(key: string, tensors: Tensor[]): boolean {
    const bytes = tensors.reduce((n, t) => n + t.numel() * elementSize(t.dtype), 0);
    if (this.#bytes + bytes > this.#budget) return false;
    this.#memory.set(key, tensors);
    this.#bytes += bytes;
    this.stats.memoryBytes = this.#bytes;
    return true;
  }

  /** Frees every in-memory entry (disk files stay for a later run with the same key). */
  dispose(): void {
    for (const tensors of this.#memory.values()) for (const t of tensors) t.dispose();
    this.#memory.clear();
    this.#bytes = 0;
    this.releaseTransient();
  }

  /** True when a disk folder is set and exists. */
  get hasDisk(): boolean {
    return this.#dir !== undefined && existsSync(this.#dir);
  }
}
