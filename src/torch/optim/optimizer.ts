// The optimizer base: parameter groups with per-group hyper-parameters, lazily created per-parameter
// state, zeroGrad, step under noGrad, and a state dict in PyTorch's layout (torch/optim/optimizer.py)
// so that a resumed run continues bit for bit.
import { VlsmError } from '../../errors.js';
import { aten } from '../dispatch.js';
import { enableGrad, noGrad } from '../autograd.js';
import { scope } from '../scope.js';
import { isTensor, type Tensor } from '../tensor.js';

/** Bad optimizer or scheduler input; the message follows PyTorch's wording. */
export class OptimError extends VlsmError {}

/** One parameter's state, keyed by PyTorch's names (`step`, `exp_avg`, `momentum_buffer`, …). */
export type ParamState = Record<string, Tensor | number | null>;

/** The hyper-parameters every optimizer has. */
export interface BaseHyper {
  lr: number;
}

/** A parameter group as held by the optimizer: its tensors and its hyper-parameters. */
export type ParamGroup<H extends BaseHyper> = H & {
  params: Tensor[];
  /** Set by an LR scheduler: the lr it started from (PyTorch's `initial_lr`). */
  initialLr?: number;
};

/** A parameter group as given: tensors plus any hyper-parameters that differ from the defaults. */
export type ParamGroupSpec<H extends BaseHyper> = { params: Tensor | readonly Tensor[]; initialLr?: number } & Partial<H>;

/** What an optimizer is built from: plain tensors (one group) or groups. */
export type Params<H extends BaseHyper> = readonly Tensor[] | readonly ParamGroupSpec<H>[];

/**
 * `stateDict()`'s result, PyTorch's layout and field names: `state` maps a parameter's index
 * (counted across groups, in order) to its state; `param_groups` lists each group's
 * hyper-parameters in snake_case with `params` as indices. JSON-able apart from the tensors.
 */
export interface OptimizerStateDict {
  state: Record<string, Record<string, Tensor | number | null>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

const zeroForeach = aten('_foreach_zero_', '', 'Optimizer.zeroGrad');

/** weightDecay → weight_decay, initialLr → initial_lr. */
export const toSnakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** weight_decay → weightDecay. */
export const toCamelCase = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const isFloating = (t: Tensor): boolean => ['float32', 'float64', 'float16', 'bfloat16'].includes(t.dtype);

/**
 * Base class of the optimizers, as torch.optim.Optimizer. A subclass gives its defaults, checks
 * hyper-parameters in `validate`, and updates one group in `updateGroup` (called under noGrad
 * inside a scope, so temporaries are freed; state tensors it creates must be `keep()`-ed).
 *
 * State tensors live outside every scope and are freed by `dispose()` or by loading a state dict.
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  readonly defaults: Readonly<H>;
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created on the first step that sees the parameter's gradient. */
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Params<H>, defaults: H) {
    if (isTensor(params)) {
      throw new OptimError('params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor');
    }
    this.validate(defaults);
    this.defaults = Object.freeze({ ...defaults });
    const list = [...(params as readonly (Tensor | ParamGroupSpec<H>)[])];
    if (list.length === 0) throw new OptimError('optimizer got an empty parameter list');
    const groups: ParamGroupSpec<H>[] = isTensor(list[0]) ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>] : (list as ParamGroupSpec<H>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** The class name used in messages. */
  get name(): string {
    return this.constructor.name;
  }

  /** Checks hyper-parameters (the defaults, and each group's), throwing PyTorch's messages. */
  protected abstract validate(hyper: H): void;

  /** Updates the parameters of one group from their gradients. */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /** Adds a group, e.g. to train layers that were frozen; missing hyper-parameters take the defaults. */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    if (typeof spec !== 'object' || spec === null || isTensor(spec)) throw new OptimError('param group must be an object such as { params: [...], lr: 0.01 }');
    const given = spec.params;
    const params: Tensor[] = isTensor(given) ? [given] : Array.isArray(given) ? [...given] : [];
    if (!isTensor(given) && !Array.isArray(given)) {
      throw new OptimError(`optimizer parameters need to be organized in ordered collections, but got ${typeof given}`);
    }
    for (const p of params) {
      if (!isTensor(p)) throw new OptimError(`optimizer can only optimize Tensors, but one of the params is ${p === null ? 'null' : typeof p}`);
      if (!p.isLeaf) throw new OptimError("can't optimize a non-leaf Tensor");
    }
    const known = new Set([...Object.keys(this.defaults), 'params', 'initialLr']);
    for (const key of Object.keys(spec)) {
      if (!known.has(key)) {
        throw new OptimError(`${this.name}: unknown parameter group option '${key}'; the options are ${[...known].filter((k) => k !== 'params').join(', ')}`);
      }
    }
    const group = {} as ParamGroup<H>;
    for (const [key, value] of [...Object.entries(this.defaults), ...Object.entries(spec)]) {
      if (key !== 'params' && value !== undefined) (group as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
    group.params = params;
    this.validate(group);
    if (new Set(params).size !== params.length) {
      process.emitWarning(
        'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
      );
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p))) throw new OptimError('some parameters appear in more than one parameter group');
    this.paramGroups.push(group);
  }

  /**
   * Clears the gradients: removes them (`setToNone`, the default, as PyTorch 2) or fills them
   * with zeros.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    if (setToNone) {
      for (const group of this.paramGroups) for (const p of group.params) p.grad = undefined;
      return;
    }
    scope(() => {
      const grads = this.paramGroups.flatMap((g) => g.params.map((p) => p.grad)).filter((g): g is Tensor => g !== undefined);
      if (grads.length > 0) zeroForeach.inPlace(grads);
    });
  }

  /**
   * Performs one update of every parameter that has a gradient. `closure`, if given, is run
   * first with gradients enabled (it should zero the gradients, compute the loss and call
   * backward) and its result is returned.
   */
  step<T>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() =>
      scope(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      }),
    );
    return loss;
  }

  /** The parameters of a group that have a gradient, with those gradients. */
  protected withGrads(group: ParamGroup<H>): { params: Tensor[]; grads: Tensor[] } {
    const params: Tensor[] = [];
    const grads: Tensor[] = [];
    for (const p of group.params) {
      const g = p.grad;
      if (g !== undefined) {
        params.push(p);
        grads.push(g);
      }
    }
    return { params, grads };
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = {}));
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout. State tensors are copies (the caller owns them:
   * they belong to the enclosing scope, if any), so the dict stays as it was while training goes on.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) {
        if (key !== 'params') packed[toSnakeCase(key)] = Array.isArray(value) ? [...value] : value;
      }
      for (const p of group.params) if (!index.has(p)) index.set(p, next++);
      return { ...packed, params: group.params.map((p) => index.get(p)!) };
    });
    const state: OptimizerStateDict['state'] = {};
    noGrad(() => {
      for (const [p, s] of this.state) {
        const i = index.get(p);
        if (i === undefined) continue;
        const copy: Record<string, Tensor | number | null> = {};
        for (const [key, value] of Object.entries(s)) copy[key] = isTensor(value) ? value.clone() : value;
        state[String(i)] = copy;
      }
    });
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores a state dict from `stateDict()` (or PyTorch's, read from a checkpoint): every
   * group's hyper-parameters and every parameter's state. Tensors are copied, cast to their
   * parameter's dtype (floating parameters) and device; a tensor `step` becomes a number.
   * Nothing changes if the dict does not fit.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const savedGroups = stateDict?.param_groups;
    if (!Array.isArray(savedGroups) || typeof stateDict.state !== 'object' || stateDict.state === null) {
      throw new OptimError(`${this.name}.loadStateDict: expected an object with 'state' and 'param_groups', as stateDict() returns`);
    }
    if (groups.length !== savedGroups.length) throw new OptimError('loaded state dict has a different number of parameter groups');
    if (groups.some((g, i) => !Array.isArray(savedGroups[i].params) || g.params.length !== savedGroups[i].params.length)) {
      throw new OptimError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const idMap = new Map<string, Tensor>();
    groups.forEach((g, gi) => g.params.forEach((p, pi) => idMap.set(String(savedGroups[gi].params[pi]), p)));
    for (const [key, saved] of Object.entries(stateDict.state)) {
      const p = idMap.get(key);
      if (!p) throw new OptimError(`loaded state dict has state for parameter ${key}, which none of its parameter groups lists`);
      for (const [name, value] of Object.entries(saved)) {
        if (isTensor(value) && name !== 'step' && value.numel() !== 1 && value.shape.join() !== p.shape.join()) {
          throw new OptimError(
            `loaded state dict has '${name}' of shape [${value.shape.join(', ')}] for parameter ${key}, whose shape is [${p.shape.join(', ')}]`,
          );
        }
      }
    }
    const hypers = savedGroups.map((saved) => {
      const hyper: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved)) {
        const camel = toCamelCase(key);
        if (key !== 'params' && (camel in this.defaults || camel === 'initialLr')) hyper[camel] = Array.isArray(value) ? [...value] : value;
      }
      this.validate({ ...this.defaults, ...hyper } as H);
      return hyper;
    });

    const state = new Map<Tensor, ParamState>();
    try {
      noGrad(() => scope(() => {
        for (const [key, saved] of Object.entries(stateDict.state)) {
          const p = idMap.get(key)!;
          const s: ParamState = {};
          for (const [name, value] of Object.entries(saved)) s[name] = castState(p, name, value);
          state.set(p, s);
        }
      }));
    } catch (error) {
      disposeState(state);
      throw error;
    }
    disposeState(this.state);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
    groups.forEach((g, i) => {
      const record = g as unknown as Record<string, unknown>;
      delete record.initialLr;
      Object.assign(record, hypers[i]);
    });
  }

  /** Frees the state tensors; the optimizer starts afresh if stepped again. */
  dispose(): void {
    disposeState(this.state);
    this.state.clear();
  }
}

function castState(p: Tensor, name: string, value: Tensor | number | null | undefined): Tensor | number | null {
  if (!isTensor(value)) return value ?? null;
  if (name === 'step') return value.item();
  const target = isFloating(p) ? { dtype: p.dtype, device: p.device } : { device: p.device };
  return value.detach().to(target).clone().keep();
}

function disposeState(state: Map<Tensor, ParamState>): void {
  for (const s of state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
}
