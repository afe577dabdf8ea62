// nn.Sequential, after torch/nn/modules/container.py: children named "0", "1", … (or by the
// names given), applied in order.
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { Module, type UnaryModule } from './module.js';

/**
 * Chains modules that each map one tensor to one tensor. State keys are `<index>.<key>`, or
 * `<name>.<key>` when built from named entries, as PyTorch's Sequential(OrderedDict(…)).
 *
 * @example
 * const head = new nn.Sequential(new nn.Conv2d(64, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(64, 1, 1));
 * head.stateDict().keys(); // '0.weight', '0.bias', '2.weight', '2.bias'
 */
export class Sequential extends Module implements Iterable<UnaryModule> {
  readonly #layers: UnaryModule[] = [];

  constructor(...modules: UnaryModule[] | [ReadonlyMap<string, UnaryModule>]) {
    super();
    if (modules.length === 1 && modules[0] instanceof Map) {
      for (const [name, module] of modules[0]) this.#add(name, module);
    } else {
      for (const module of modules as UnaryModule[]) this.#add(String(this.#layers.length), module);
    }
  }

  #add(name: string, module: UnaryModule): void {
    if (!(module instanceof Module) || typeof module.forward !== 'function') {
      throw new TypeError(`nn.Sequential: entry '${name}' is not a module with a forward(input) method`);
    }
    this.#layers.push(this.registerModule(name, module));
  }

  /** Appends a module under the next index; returns this. */
  append(module: UnaryModule): this {
    this.#add(String(this.#layers.length), module);
    return this;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): UnaryModule {
    const i = index < 0 ? index + this.#layers.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#layers.length) {
      throw new RangeError(`nn.Sequential: index ${index} is out of range for ${this.#layers.length} modules`);
    }
    return this.#layers[i];
  }

  [Symbol.iterator](): Iterator<UnaryModule> {
    return this.#layers[Symbol.iterator]();
  }

  /** Applies every module in order; intermediates are freed, the result passes to the caller. */
  forward(input: Tensor): Tensor {
    return scope(() => {
      let x = input;
      for (const layer of this.#layers) {
        const next = layer.forward(x);
        // An intermediate is freed once the next layer has used it, not when the whole stack ends
        // (a view returned by the next layer keeps its storage; autograd keeps what it saved).
        // A kept tensor (a parameter, a cache entry a layer returned) is not the stack's to free.
        if (x !== input && next !== x && !x.isKept) x.dispose();
        x = next;
      }
      return x;
    });
  }
}
