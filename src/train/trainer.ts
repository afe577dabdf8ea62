// One fine-tuning loop for every model family: seeded data order and prompt draws, optimizer
// groups, scheduler, clipping, validation Dice each epoch, early stopping, atomic best/last
// checkpoints, exact resume after a kill, the frozen-feature cache, a progress line and a JSONL log.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressBar } from '../progress.js';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import { checkPrecision, forwardInPrecision, type Precision } from '../models/precision.js';
import { thresholdLogits } from '../models/resample.js';
import type { SegmentationBatch, SegmentationModel } from '../models/types.js';
import type { PromptedSample } from '../prompts/prompted-samples.js';
import type { Optimizer } from '../torch/optim/optimizer.js';
import { batchesOf, decodeSample, epochOrder, makeBatch, type DecodedSample, type TrainingBatch } from './batches.js';
import { hasCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { FeatureCache, sha256, weightsHash, type FeatureCacheOptions } from './feature-cache.js';
import { EarlyStopping } from './early-stopping.js';
import { segmentationLoss } from './losses.js';
import type { Recipe } from './recipes.js';
import { resumeRun } from './resume.js';
import { runPath } from './run-folder.js';

type Tensor = torch.Tensor;
const { optim } = torch;

export interface FinetuneOptions {
  model: SegmentationModel;
  /** The training samples of an epoch (prompt draws may differ per epoch). */
  trainSamples: (epoch: number) => PromptedSample[] | Promise<PromptedSample[]>;
  valSamples: PromptedSample[];
  recipe: Recipe;
  /** Run folder: checkpoints/, log.jsonl. */
  outDir: string;
  /** The run's full configuration, stored with every checkpoint. */
  config: unknown;
  resume?: boolean;
  /**
   * What the forward passes compute in (models/precision.ts; default 'fp32'). Losses are computed
   * in float32; 'fp16' also scales the loss with a GradScaler. Resolve it with the run's device first.
   */
  precision?: Precision;
  /** Frozen-feature cache settings; false turns it off. */
  cache?: FeatureCacheOptions | false;
  /** Also write the 'last' checkpoint every this many steps (default: only at epoch ends). */
  checkpointEvery?: number;
  /** Stop after this many optimizer steps in this process, as if killed (tests, time limits). */
  stopAfterSteps?: number;
  progress?: boolean;
  log?: (line: string) => void;
  onEpoch?: (entry: TrainerState['history'][number]) => void;
}

export interface FinetuneResult {
  status: 'finished' | 'early-stopped' | 'interrupted';
  state: TrainerState;
  bestDice: number | null;
  cacheStats?: FeatureCache['stats'];
}

const freshState = (): TrainerState => ({ epoch: 0, nextBatch: 0, globalStep: 0, bestMetric: null, bestEpoch: null, badEpochs: 0, stopped: false, history: [] });

/** Parameters that train, grouped by the recipe's lr_groups prefixes (first match wins). */
function parameterGroups(model: SegmentationModel, recipe: Recipe): { params: Tensor[]; lr: number }[] {
  const prefixes = Object.entries(recipe.lr_groups);
  const groups = [...prefixes.map(([, lr]) => ({ params: [] as Tensor[], lr })), { params: [] as Tensor[], lr: recipe.lr }];
  for (const [name, p] of model.module.namedParameters()) {
    if (!p.requiresGrad) continue;
    const index = prefixes.findIndex(([prefix]) => name.startsWith(prefix));
    groups[index < 0 ? groups.length - 1 : index]!.params.push(p);
  }
  const used = groups.filter((g) => g.params.length > 0);
  if (used.length === 0) throw new ConfigError('finetune: no parameter trains; the recipe freezes everything', undefined, 'frozen');
  return used;
}

function makeOptimizer(groups: { params: Tensor[]; lr: number }[], recipe: Recipe): Optimizer {
  const common = { lr: recipe.lr, weightDecay: recipe.weight_decay };
  switch (recipe.optimizer) {
    case 'adam': return new optim.Adam(groups, common);
    case 'adamw': return new optim.AdamW(groups, common);
    case 'sgd': return new optim.SGD(groups, { ...common, momentum: recipe.momentum });
  }
}

interface Scheduler {
  stepEpoch(metrics: { val_loss: number; val_dice: number }): void;
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

function makeScheduler(optimizer: Optimizer, recipe: Recipe): Scheduler {
  const s = recipe.scheduler;
  if (s.type === 'constant') return { stepEpoch: () => {}, stateDict: () => ({}), loadStateDict: () => {} };
  if (s.type === 'plateau') {
    const plateau = new optim.ReduceLROnPlateau(optimizer, { mode: s.monitor === 'val_loss' ? 'min' : 'max', factor: s.factor, patience: s.patience, threshold: s.threshold, cooldown: s.cooldown, minLr: s.min_lr });
    return { stepEpoch: (m) => plateau.step(m[s.monitor]), stateDict: () => plateau.stateDict(), loadStateDict: (x) => plateau.loadStateDict(x as never) };
  }
  const scheduler = s.type === 'step'
    ? new optim.StepLR(optimizer, { stepSize: s.step_size, gamma: s.gamma })
    : new optim.CosineAnnealingLR(optimizer, { tMax: s.t_max ?? recipe.max_epochs, etaMin: s.eta_min });
  return { stepEpoch: () => scheduler.step(), stateDict: () => scheduler.stateDict(), loadStateDict: (x) => scheduler.loadStateDict(x as never) };
}

/** Dice per item of thresholded predictions at model resolution; empty/empty scores 1 (MONAI). */
export function batchDice(logits: Tensor, masks: Tensor, threshold: number): number[] {
  return torch.scope(() => {
    const p = thresholdLogits(logits, threshold).float().flatten(1); // the mask rule of predict and evaluate
    const g = masks.gt(0.5).float().flatten(1);
    const inter = p.mul(g).sum(1).toArray() as number[];
    const total = p.sum(1).add(g.sum(1)).toArray() as number[];
    return inter.map((x, i) => (total[i] === 0 ? 1 : (2 * x) / total[i]!));
  });
}

/** Computes logits for a batch, through the feature cache when the model's encoders are frozen. */
class Forwarder {
  constructor(readonly model: SegmentationModel, readonly cache: FeatureCache | undefined, readonly precision: Precision) {}

  /** Float32 logits, the forward computed in the run's precision. */
  logits(tb: DecodedBatch): Tensor {
    return forwardInPrecision(this.precision, this.model.device, () => this.#logits(tb));
  }

  #logits(tb: DecodedBatch): Tensor {
    const frozen = this.model.frozenFeatures;
    if (!this.cache || !frozen) return this.model.forward(tb.batch);
    const image = this.#cached(tb.samples.map((d) => `image:${d.sample.record.imagePath}:${d.imageHash}`), tb.batch, (b) => frozen.imageFeatures(b.pixelValues));
    const text = this.#cached(tb.samples.map((d) => `text:${d.sample.text}`), tb.batch, (b) => [frozen.textFeatures(b)]);
    return frozen.forwardFromFeatures(image, text[0]!, this.model.inputSize);
  }

  /** Per-sample features from the cache, computing (as one batch) those it lacks; [B, ...] each. */
  #cached(ids: string[], batch: SegmentationBatch, compute: (b: SegmentationBatch) => Tensor[]): Tensor[] {
    const cache = this.cache!;
    const found = ids.map((id) => cache.get(id));
    const missing = found.map((f, i) => (f ? -1 : i)).filter((i) => i >= 0);
    if (missing.length > 0) {
      const computed = torch.noGrad(() => compute(batch)); // whole batch: preprocessing is already done
      for (const i of missing) found[i] = cache.set(ids[i]!, computed.map((t) => t.narrow(0, i, 1)));
    }
    const parts = found[0]!.length;
    return [...Array(parts).keys()].map((k) => torch.cat(found.map((f) => f![k]!), 0));
  }
}

type Decoded = DecodedSample & { imageHash: string };
type DecodedBatch = Omit<TrainingBatch, 'samples'> & { samples: Decoded[] };

async function decodeAll(samples: PromptedSample[], hashImages: boolean): Promise<Decoded[]> {
  const { readFile } = await import('node:fs/promises');
  return Promise.all(samples.map(async (s) => {
    const decoded = await decodeSample(s);
    const imageHash = hashImages ? sha256(await readFile(s.record.imagePath)) : '';
    return { ...decoded, imageHash };
  }));
}

/** Validation loss and mean Dice (model resolution, the recipe's threshold). */
async function validate(forwarder: Forwarder, samples: PromptedSample[], recipe: Recipe, hashImages: boolean): Promise<{ valLoss: number; valDice: number }> {
  const model = forwarder.model;
  model.module.eval();
  let lossSum = 0;
  const dice: number[] = [];
  for (const chunk of batchesOf(samples, recipe.batch_size)) {
    const decoded = await decodeAll(chunk, hashImages);
    torch.noGrad(() => torch.scope(() => {
      const tb = makeBatch(model, decoded) as DecodedBatch;
      const logits = forwarder.logits(tb);
      lossSum += segmentationLoss(logits, tb.masks, recipe.loss).item() * chunk.length;
      dice.push(...batchDice(logits, tb.masks, recipe.threshold));
    }));
    forwarder.cache?.releaseTransient();
  }
  return { valLoss: lossSum / Math.max(samples.length, 1), valDice: dice.reduce((a, b) => a + b, 0) / Math.max(dice.length, 1) };
}

/** Fine-tunes `model` in place; writes checkpoints and a log under `outDir`. */
export async function finetune(o: FinetuneOptions): Promise<FinetuneResult> {
  const { model, recipe } = o;
  const log = o.log ?? ((line: string) => console.log(line));
  const checkpoints = runPath(o.outDir, 'checkpoints folder', 'checkpoints');
  const logFile = runPath(o.outDir, 'training log', 'log.jsonl');
  mkdirSync(checkpoints, { recursive: true });
  const writeLog = (entry: Record<string, unknown>): void => appendFileSync(logFile, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

  for (const path of recipe.frozen) model.module.getSubmodule(path).requiresGrad_(false);
  const groups = parameterGroups(model, recipe);
  const optimizer = makeOptimizer(groups, recipe);
  const scheduler = makeScheduler(optimizer, recipe);
  const precision = o.precision ?? 'fp32';
  checkPrecision(precision, model.device, 'precision');
  // float16 gradients flush to zero or overflow without loss scaling; bf16 has float32's range.
  const scaler = precision === 'fp16' ? new torch.amp.GradScaler() : undefined;
  const frozenOk = model.frozenFeatures?.requires.every((r) => recipe.frozen.includes(r)) ?? false;
  // Features computed under autocast differ from float32 ones: the precision is part of the key.
  const precisionKey = precision === 'fp32' ? '' : `\u0000${precision}`;
  const cache = o.cache !== false && frozenOk
    ? new FeatureCache(`${model.family}\u0000${weightsHash(model.module.getSubmodule(model.frozenFeatures!.requires[0]!))}\u0000${JSON.stringify(model.inputSize)}${precisionKey}`, o.cache || {})
    : undefined;
  const forwarder = new Forwarder(model, cache, precision);
  // Checkpoints hold what changes: trained parameters and every buffer (frozen weights come
  // from the run's model spec again on resume).
  const parameterNames = new Set(model.module.namedParameters().map(([n]) => n));
  const trainedNames = new Set(model.module.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n));
  const checkpointWeights = (): Map<string, Tensor> => new Map([...model.module.stateDict()].filter(([name]) => trainedNames.has(name) || !parameterNames.has(name)));

  let state = freshState();
  if (o.resume && hasCheckpoint(checkpoints, 'last')) {
    state = resumeRun(checkpoints, { module: model.module, optimizer, scheduler });
    if (scaler && state.gradScaler) scaler.loadStateDict(state.gradScaler);
    log(`resumed from ${join(checkpoints, 'last.json')}: epoch ${state.epoch + 1}, batch ${state.nextBatch}, step ${state.globalStep}`);
  } else {
    torch.manualSeed(recipe.seed);
  }
  // In a scope: the optimizer's state dict and the RNG state are copies, freed once written.
  const save = (name: string): void => torch.scope(() => {
    if (scaler) state.gradScaler = scaler.stateDict() as torch.amp.GradScalerStateDict;
    saveCheckpoint(checkpoints, name, { weights: checkpointWeights(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), rngState: torch.getRngState(), trainer: state, config: { ...(o.config as object), recipe } });
  });

  try {
    return await trainLoop();
  } finally {
    // The optimizer's moments and the cached features live as long as the run, not longer.
    optimizer.dispose();
    cache?.dispose();
  }

  async function trainLoop(): Promise<FinetuneResult> {
    let stepsThisProcess = 0;
    const hashImages = cache !== undefined;
    while (state.epoch < recipe.max_epochs && !state.stopped) {
      const epochStart = Date.now();
      const samples = await o.trainSamples(state.epoch);
      const order = epochOrder(samples.length, recipe.seed, state.epoch);
      const batches = batchesOf(order.map((i) => samples[i]!), recipe.batch_size);
      const bar = o.progress ? new ProgressBar({ label: `epoch ${state.epoch + 1}/${recipe.max_epochs}`, total: batches.length, unit: 'batches' }) : undefined;
      let lossSum = 0;
      let lossCount = 0;
      let next: Promise<Decoded[]> | undefined = state.nextBatch < batches.length ? decodeAll(batches[state.nextBatch]!, hashImages) : undefined;
      for (let b = state.nextBatch; b < batches.length; b++) {
        const decoded = await next!;
        next = b + 1 < batches.length ? decodeAll(batches[b + 1]!, hashImages) : undefined; // decode ahead while this batch computes
        model.module.train();
        const loss = torch.scope(() => {
          const tb = makeBatch(model, decoded) as DecodedBatch;
          optimizer.zeroGrad();
          const l = segmentationLoss(forwarder.logits(tb), tb.masks, recipe.loss);
          if (scaler) {
            scaler.scale(l).backward();
            if (recipe.grad_clip > 0) {
              scaler.unscale(optimizer); // clip the true gradients, not the scaled ones
              torch.optim.clipGradNorm_(groups.flatMap((g) => g.params), recipe.grad_clip);
            }
            scaler.step(optimizer); // skipped when a gradient overflowed
            scaler.update();
          } else {
            l.backward();
            if (recipe.grad_clip > 0) torch.optim.clipGradNorm_(groups.flatMap((g) => g.params), recipe.grad_clip);
            optimizer.step();
          }
          return l.item();
        });
        cache?.releaseTransient();
        if (!Number.isFinite(loss)) throw new Error(`finetune: the loss became ${loss} at epoch ${state.epoch + 1}, batch ${b + 1}; lower the learning rate or check the data`);
        lossSum += loss * decoded.length;
        lossCount += decoded.length;
        state.nextBatch = b + 1;
        state.globalStep++;
        stepsThisProcess++;
        writeLog({ epoch: state.epoch + 1, step: state.globalStep, loss, lr: optimizer.paramGroups[optimizer.paramGroups.length - 1]!.lr });
        bar?.update(b + 1, `loss ${(lossSum / lossCount).toFixed(4)}`);
        if (o.checkpointEvery && state.globalStep % o.checkpointEvery === 0) save('last');
        if (o.stopAfterSteps !== undefined && stepsThisProcess >= o.stopAfterSteps) {
          await next?.catch(() => undefined);
          save('last');
          bar?.done();
          return { status: 'interrupted', state, bestDice: state.bestMetric, cacheStats: cache?.stats };
        }
      }
      bar?.done();
      const { valLoss, valDice } = await validate(forwarder, o.valSamples, recipe, hashImages);
      scheduler.stepEpoch({ val_loss: valLoss, val_dice: valDice });
      const entry = { epoch: state.epoch + 1, trainLoss: lossCount ? lossSum / lossCount : NaN, valLoss, valDice, lr: optimizer.paramGroups[optimizer.paramGroups.length - 1]!.lr, seconds: (Date.now() - epochStart) / 1000 };
      state.history.push(entry);
      writeLog({ event: 'epoch', ...entry });
      o.onEpoch?.(entry);
      log(`epoch ${entry.epoch}: train loss ${entry.trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)}, val Dice ${valDice.toFixed(4)}, lr ${entry.lr.toExponential(2)} (${entry.seconds.toFixed(1)} s)`);

      // Early stopping and the best checkpoint, on the recipe's monitor.
      const monitor = recipe.early_stopping?.monitor ?? 'val_dice';
      const stopper = new EarlyStopping(monitor === 'val_dice' ? 'max' : 'min', recipe.early_stopping?.patience ?? null, recipe.early_stopping?.min_delta ?? 0, recipe.min_epochs, {
        best: state.bestMetric, bestEpoch: state.bestEpoch, badEpochs: state.badEpochs,
      });
      const { improved, stop } = stopper.update(monitor === 'val_dice' ? valDice : valLoss, entry.epoch);
      Object.assign(state, { bestMetric: stopper.state.best, bestEpoch: stopper.state.bestEpoch, badEpochs: stopper.state.badEpochs, epoch: state.epoch + 1, nextBatch: 0 });
      if (improved) save('best');
      if (stop) {
        state.stopped = true;
        log(`early stopping: ${monitor} has not improved for ${state.badEpochs} epochs (best ${state.bestMetric!.toFixed(4)} at epoch ${state.bestEpoch})`);
      }
      save('last');
    }
    // Stopping on the last epoch anyway is finishing, not stopping early.
    const status = state.stopped && state.epoch < recipe.max_epochs ? 'early-stopped' : 'finished';
    return { status, state, bestDice: monitorIsDice(recipe) ? state.bestMetric : null, cacheStats: cache?.stats };
  }
}

const monitorIsDice = (recipe: Recipe): boolean => (recipe.early_stopping?.monitor ?? 'val_dice') === 'val_dice';
