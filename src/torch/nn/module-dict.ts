// nn.ModuleDict, after torch/nn/modules/container.py: children by name, in insertion order.
import { Module } from './module.js';

/**
 * Holds child modules by name (state keys `<name>.<key>`), e.g. one head per dataset.
 *
 * @example
 * const heads = new nn.ModuleDict({ kvasir: new nn.Conv2d(64, 1, 1), busi: new nn.Conv2d(64, 1, 1) });
 * const y = heads.get('kvasir').forward(x);
 */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<[string, M]> {
  readonly #items = new Map<string, M>();

  constructor(modules: ReadonlyMap<string, M> | Readonly<Record<string, M>> = {}) {
    super();
    this.update(modules);
  }

  /** Adds a module under a new name; returns this. */
  set(name: string, module: M): this {
    this.#items.set(name, this.registerModule(name, module));
    return this;
  }

  update(modules: ReadonlyMap<string, M> | Readonly<Record<string, M>>): this {
    const entries = modules instanceof Map ? [...modules] : Object.entries(modules as Record<string, M>);
    for (const [name, module] of entries) this.set(name, module);
    return this;
  }

  /** The module under `name`; an unknown name lists the choices. */
  get(name: string): M {
    const module = this.#items.get(name);
    if (!module) throw new RangeError(`nn.ModuleDict: no module named '${name}'; the names are: ${[...this.#items.keys()].join(', ') || 'none'}`);
    return module;
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  get size(): number {
    return this.#items.size;
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }
  values(): IterableIterator<M> {
    return this.#items.values();
  }
  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }
  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#items.entries();
  }
}
