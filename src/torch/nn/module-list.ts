// nn.ModuleList, after torch/nn/modules/container.py: children named "0", "1", ….
import { Module } from './module.js';

/**
 * Holds child modules by index, registered so their state keys are `<index>.<key>`. It has no
 * forward: the owner iterates it.
 *
 * @example
 * const layers = new nn.ModuleList(Array.from({ length: 12 }, () => new Block(768)));
 * for (const layer of layers) x = layer.forward(x);
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Adds a module under the next index; returns this. */
  append(module: M): this {
    this.#items.push(this.registerModule(String(this.#items.length), module));
    return this;
  }

  extend(modules: Iterable<M>): this {
    for (const module of modules) this.append(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const i = index < 0 ? index + this.#items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#items.length) {
      throw new RangeError(`nn.ModuleList: index ${index} is out of range for ${this.#items.length} modules`);
    }
    return this.#items[i];
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  map<T>(fn: (module: M, index: number) => T): T[] {
    return this.#items.map(fn);
  }
}
