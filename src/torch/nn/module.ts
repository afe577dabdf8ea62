// nn.Module: the state of a layer (parameters, buffers, child modules) under checkpoint names.
// Port of torch/nn/modules/module.py (PyTorch 1.13): registration rules, traversal order,
// state_dict keys and load_state_dict's checks. Every child, parameter and buffer is registered
// explicitly under its checkpoint name (docs/style.md §3, "Checkpoint names in a camelCase codebase");
// the camelCase property is only a handle on it.
import { CheckpointError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import type { Device } from '../device.js';
import { dtypes, isFloatingPoint, type DType } from '../dtype.js';
import { Tensor, isTensor } from '../tensor.js';
import { Buffer, Parameter } from './parameter.js';

/** A module whose forward maps one tensor to one tensor (what Sequential chains). */
export type UnaryModule = Module & { forward(input: Tensor): Tensor };

/** What `to()` accepts: a dtype, a device, or both. */
export type ToTarget = DType | Device | { dtype?: DType; device?: Device };

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Size mismatches always are. */
  strict?: boolean;
  /** The checkpoint file, named in the error. */
  file?: string;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Every problem `loadStateDict` found, at once; a CheckpointError naming the module class. */
export class LoadStateDictError extends CheckpointError {
  constructor(
    message: string,
    file: string | undefined,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly mismatchedKeys: readonly string[],
  ) {
    super(message, file, missingKeys[0] ?? unexpectedKeys[0] ?? mismatchedKeys[0]);
  }
}

type Kind = 'parameter' | 'buffer' | 'module';

/**
 * Base class of every layer and model. A subclass registers its state in its constructor, in the
 * reference's order, and defines its own typed `forward`.
 *
 * @example
 * class Block extends nn.Module {
 *   readonly fc: nn.Linear;
 *   readonly norm: nn.LayerNorm;
 *   constructor(width: number) {
 *     super();
 *     this.fc = this.registerModule('fc', new nn.Linear(width, width));
 *     this.norm = this.registerModule('norm', new nn.LayerNorm(width));
 *   }
 *   forward(x: Tensor): Tensor { return this.norm.forward(this.fc.forward(x)); }
 * }
 */
export abstract class Module {
  /** True in training mode (the default); set by `train()` and `eval()`. */
  training = true;
  readonly #parameters = new Map<string, Parameter | null>();
  readonly #buffers = new Map<string, Buffer | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module>();

  /** The class name, as in error messages (`Linear`, `CLIPSegForImageSegmentation`). */
  get className(): string {
    return this.constructor.name;
  }

  // ---- registration ---------------------------------------------------------------------------

  #checkName(kind: Kind, name: string, op: string): void {
    const where = `${this.className}.${op}`;
    if (typeof name !== 'string') throw new TypeError(`${where}: ${kind} name should be a string. Got ${typeof name}`);
    const taken = this.#parameters.has(name) || this.#buffers.has(name) || this.#modules.has(name);
    if (kind === 'module') {
      if (taken) throw new TypeError(`${where}: attribute '${name}' already exists`);
      if (name.includes('.')) throw new TypeError(`${where}: module name can't contain ".", got: ${name}`);
      if (name === '') throw new TypeError(`${where}: module name can't be empty string ""`);
      return;
    }
    if (name.includes('.')) throw new TypeError(`${where}: ${kind} name can't contain "."`);
    if (name === '') throw new TypeError(`${where}: ${kind} name can't be empty string ""`);
    if (taken) throw new TypeError(`${where}: attribute '${name}' already exists`);
  }

  /** Adds a child module under `name`; returns it, to be kept as a property. */
  registerModule<M extends Module>(name: string, module: M): M {
    this.#checkName('module', name, 'registerModule');
    if (!(module instanceof Module)) throw new TypeError(`${this.className}.registerModule: ${describe(module)} is not a Module subclass (child '${name}')`);
    this.#modules.set(name, module);
    return module;
  }

  /**
   * Adds a parameter under `name`. A plain tensor is taken over (it becomes a Parameter sharing its
   * storage, and the tensor passed in is disposed); a Parameter is registered as it is, so two
   * modules may share one. `null` registers an absent parameter: no key in `stateDict()`.
   */
  registerParameter(name: string, value: Tensor): Parameter;
  registerParameter(name: string, value: Tensor | null): Parameter | null;
  registerParameter(name: string, value: Tensor | null): Parameter | null {
    this.#checkName('parameter', name, 'registerParameter');
    if (value !== null && !isTensor(value)) {
      throw new TypeError(`${this.className}.registerParameter: cannot assign '${describe(value)}' object to parameter '${name}' (Tensor or null required)`);
    }
    const parameter = value === null ? null : value instanceof Parameter ? value : new Parameter(value);
    this.#parameters.set(name, parameter);
    return parameter;
  }

  /**
   * Adds a buffer (state that is not trained, such as running statistics) under `name`, taken over
   * like a parameter. A non-persistent buffer stays out of `stateDict()` and checkpoints.
   */
  registerBuffer(name: string, value: Tensor, options?: { persistent?: boolean }): Buffer;
  registerBuffer(name: string, value: Tensor | null, options?: { persistent?: boolean }): Buffer | null;
  registerBuffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): Buffer | null {
    this.#checkName('buffer', name, 'registerBuffer');
    if (value !== null && !isTensor(value)) {
      throw new TypeError(`${this.className}.registerBuffer: cannot assign '${describe(value)}' object to buffer '${name}' (Tensor or null required)`);
    }
    const buffer = value === null ? null : value instanceof Buffer ? value : new Buffer(value);
    this.#buffers.set(name, buffer);
    if (options.persistent === false) this.#nonPersistent.add(name);
    return buffer;
  }

  // ---- traversal ------------------------------------------------------------------------------

  /** Direct children with their names, in registration order, each module once. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, module] of this.#modules) {
      if (seen.has(module)) continue;
      seen.add(module);
      out.push([name, module]);
    }
    return out;
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module (named `prefix`, '' by default) and every descendant, pre-order, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, path: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([path, module]);
      for (const [name, child] of module.#modules) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  #namedMembers<T extends Tensor>(pick: (m: Module) => Map<string, T | null>, recurse: boolean): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<T>();
    const modules: [string, Module][] = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, module] of modules) {
      for (const [name, t] of pick(module)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Parameters with their dotted names, in stateDict order, each once (`recurse` default true). */
  namedParameters(options: { recurse?: boolean } = {}): [string, Parameter][] {
    return this.#namedMembers((m) => m.#parameters, options.recurse ?? true);
  }
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }
  /** Buffers with their dotted names, non-persistent ones included. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Buffer][] {
    return this.#namedMembers((m) => m.#buffers, options.recurse ?? true);
  }
  buffers(options: { recurse?: boolean } = {}): Buffer[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !options.trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.numel(), 0);
  }

  /** The descendant at a dotted path ('' is this module). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let module: Module = this;
    for (const name of target.split('.')) {
      const child = module.#modules.get(name);
      if (!child) {
        const choices = [...module.#modules.keys()].join(', ') || 'none';
        throw new RangeError(`${this.className}.getSubmodule: ${module.className} has no child '${name}' (path '${target}'); its children: ${choices}`);
      }
      module = child;
    }
    return module;
  }

  // ---- state dict -----------------------------------------------------------------------------

  /**
   * Keys a checkpoint may lack (PyTorch's `_load_from_state_dict` overrides, such as BatchNorm's
   * `num_batches_tracked` in old checkpoints); a missing one keeps its current value.
   */
  protected optionalStateKeys(): readonly string[] {
    return [];
  }

  #collectState(prefix: string, out: Map<string, Tensor>, optional: Set<string> | undefined): void {
    for (const [name, p] of this.#parameters) if (p !== null) out.set(prefix + name, p);
    for (const [name, b] of this.#buffers) if (b !== null && !this.#nonPersistent.has(name)) out.set(prefix + name, b);
    if (optional) for (const name of this.optionalStateKeys()) optional.add(prefix + name);
    for (const [name, module] of this.#modules) module.#collectState(`${prefix}${name}.`, out, optional);
  }

  /**
   * Parameters and persistent buffers by checkpoint key, in PyTorch's order: each module's own
   * parameters, then its buffers, then its children's, depth first. The values are the module's
   * own tensors (not copies): do not dispose them; `clone()` to snapshot.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.#collectState('', out, undefined);
    return out;
  }

  /**
   * Copies a checkpoint's tensors into this module's parameters and buffers, in place and without
   * recording gradients, converting dtype and device as needed. Every problem is collected first
   * and reported in one LoadStateDictError; nothing is copied unless all keys fit. With
   * `strict: false`, missing and unexpected keys are returned instead of thrown.
   */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source: ReadonlyMap<string, Tensor> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = new Map<string, Tensor>();
    const optional = new Set<string>();
    this.#collectState('', own, optional);

    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const mismatchedKeys: string[] = [];
    const problems: string[] = [];
    const mismatches: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      const value = source.get(key);
      if (value === undefined) {
        if (!optional.has(key)) missingKeys.push(key);
        continue;
      }
      if (!isTensor(value)) {
        mismatchedKeys.push(key);
        mismatches.push(`${key} is a ${describe(value)}, not a tensor`);
        continue;
      }
      const [from, to] = [value.shape, target.shape];
      if (from.length !== to.length || from.some((d, i) => d !== to[i])) {
        mismatchedKeys.push(key);
        mismatches.push(`size mismatch for ${key}: checkpoint [${from.join(', ')}], model [${to.join(', ')}]`);
        continue;
      }
      copies.push([target, value]);
    }
    for (const key of source.keys()) if (!own.has(key)) unexpectedKeys.push(key);

    if (strict) {
      problems.push(...missingKeys.map((k) => `missing "${k}"`));
      problems.push(...unexpectedKeys.map((k) => `unexpected "${k}"`));
    }
    problems.push(...mismatches);
    if (problems.length > 0) {
      const from = options.file === undefined ? '' : ` from ${options.file}`;
      throw new LoadStateDictError(
        `loadStateDict(${this.className})${from}:\n  ${problems.join(';\n  ')}`,
        options.file,
        strict ? missingKeys : [],
        strict ? unexpectedKeys : [],
        mismatchedKeys,
      );
    }
    noGrad(() => {
      for (const [target, value] of copies) target.copy_(value);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes, devices, gradients --------------------------------------------------------------

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const module of this.children()) module.train(mode);
    return this;
  }
  /** Evaluation mode: dropout off, BatchNorm on running statistics. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter and buffer to a dtype and/or device, in place: the Parameter objects stay
   * the same, their storage is replaced, so optimizers built before keep working. A dtype applies
   * to floating-point tensors only (`num_batches_tracked` stays int64), as PyTorch's Module.to.
   */
  to(target: ToTarget): this {
    const spec = typeof target === 'string' ? ((dtypes as readonly string[]).includes(target) ? { dtype: target as DType } : { device: target }) : target;
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        const dtype = spec.dtype !== undefined && isFloatingPoint(t.dtype) ? spec.dtype : t.dtype;
        const device = spec.device ?? t.device;
        if (dtype === t.dtype && device === t.device) continue;
        const grad = t.grad;
        const moved = t.to({ dtype, device });
        t.setData_(moved);
        moved.dispose();
        if (grad) {
          const movedGrad = grad.to({ dtype, device });
          t.grad = movedGrad;
          movedGrad.dispose();
          grad.dispose();
        }
      }
    });
    return this;
  }

  /** Sets requiresGrad on every parameter: `requiresGrad_(false)` freezes the module. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = undefined;
  }

  /** Calls `fn` on every descendant, children first, then on this module (PyTorch's order). */
  apply(fn: (module: Module) => void): this {
    for (const module of this.children()) module.apply(fn);
    fn(this);
    return this;
  }

  float(): this { return this.to('float32'); }
  double(): this { return this.to('float64'); }
  half(): this { return this.to('float16'); }
  bfloat16(): this { return this.to('bfloat16'); }
  cpu(): this { return this.to('cpu'); }
  cuda(index = 0): this { return this.to(`cuda:${index}`); }

  // ---- printing -------------------------------------------------------------------------------

  /** The layer's own settings for `toString()`, e.g. `inFeatures=5, outFeatures=4, bias=true`. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module tree: `Sequential(\n  (0): Linear(inFeatures=3, …)\n  …\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const lines = extra === '' ? [] : extra.split('\n');
    for (const [name, module] of this.#modules) lines.push(`(${name}): ${module.toString().split('\n').join('\n  ')}`);
    if (this.#modules.size === 0) return `${this.className}(${extra})`;
    return `${this.className}(\n  ${lines.join('\n  ')}\n)`;
  }

  /** Frees every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
