// A least-recently-used map bounded by entry count and by a byte budget, for what the server keeps
// per uploaded image (decoded pixels, image features, probability maps). Evicted values go to
// `onEvict` (tensors are disposed there), so memory stays bounded however many images arrive.

export interface BoundedLruOptions<V> {
  maxEntries: number;
  maxBytes: number;
  sizeOf(value: V): number;
  onEvict?(value: V, key: string): void;
}

export class BoundedLru<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;
  evictions = 0;

  constructor(private readonly options: BoundedLruOptions<V>) {
    if (!(options.maxEntries >= 1 && options.maxBytes > 0)) throw new RangeError(`BoundedLru: maxEntries must be >= 1 and maxBytes > 0, got ${options.maxEntries} and ${options.maxBytes}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores `value` as the most recent entry and evicts the oldest until both bounds hold; a value
   * larger than the whole budget is still kept (alone), since the request that made it needs it.
   */
  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.options.sizeOf(value);
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [oldKey] of this.#entries) {
      if (this.#entries.size <= 1 || (this.#entries.size <= this.options.maxEntries && this.#bytes <= this.options.maxBytes)) break;
      this.#evict(oldKey);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    this.options.onEvict?.(entry.value, key);
  }

  #evict(key: string): void {
    this.evictions++;
    this.delete(key);
  }

  /** Drops every entry (through onEvict). */
  clear(): void {
    for (const key of [...this.#entries.keys()]) this.delete(key);
  }
}
