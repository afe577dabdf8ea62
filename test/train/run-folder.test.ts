// A run folder is the run's alone: checkpoint pointers name only checkpoint folders vlsm wrote,
// saving deletes nothing a planted pointer names, files resolve inside the run, and a resumed
// run checks state.json and the optimizer state before training.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import * as torch from '../../src/torch/index.js';
import { checkpointFolder, loadCheckpoint, saveCheckpoint, type CheckpointContents } from '../../src/train/checkpoint.js';
import { parseSavedState } from '../../src/train/checkpoint-state.js';
import { resolveRecipe } from '../../src/train/recipes.js';
import { finetune } from '../../src/train/trainer.js';
import { samples, tinyClipseg } from './fixtures.js';

const quiet = (): void => {};

/** A small checkpoint: one weight, no optimizer state. */
function contents(epoch = 1): CheckpointContents {
  return {
    weights: new Map([['w', torch.tensor([1, 2, 3])]]),
    optimizer: { state: {}, param_groups: [{ params: [0], lr: 0.1 }] },
    scheduler: {},
    rngState: torch.getRngState(),
    trainer: { epoch, nextBatch: 0, globalStep: epoch * 3, bestMetric: null, bestEpoch: null, badEpochs: 0, stopped: false, history: [] },
    config: {},
  };
}

const save = (dir: string, name: string, epoch = 1): string => torch.scope(() => saveCheckpoint(dir, name, contents(epoch)));

/** A run folder next to a folder that is not the run's, holding a file that must survive. */
function runBesideVictim(): { run: string; checkpoints: string; victim: string } {
  const root = mkdtempSync(join(tmpdir(), 'vlsm-runfolder-'));
  const run = join(root, 'runs', 'run');
  const checkpoints = join(run, 'checkpoints');
  mkdirSync(checkpoints, { recursive: true });
  const victim = join(root, 'somewhere');
  mkdirSync(victim);
  writeFileSync(join(victim, 'precious.txt'), 'keep me');
  return { run, checkpoints, victim };
}

describe('checkpoint pointers', () => {
  it('never make a save delete a folder outside checkpoints/ ({"folder": "../../somewhere"})', () => {
    const { checkpoints, victim } = runBesideVictim();
    writeFileSync(join(checkpoints, 'last.json'), JSON.stringify({ folder: '../../../somewhere' }));
    save(checkpoints, 'last');
    assert.ok(existsSync(join(victim, 'precious.txt')), 'the folder outside the run is intact');
    const pointer = JSON.parse(readFileSync(join(checkpoints, 'last.json'), 'utf8')) as { folder: string };
    assert.match(pointer.folder, /^last-e1-s3-\d+$/);
  });

  it('never make a save delete the checkpoints folder itself ({"folder": "."})', () => {
    const { checkpoints } = runBesideVictim();
    const best = save(checkpoints, 'best');
    writeFileSync(join(checkpoints, 'last.json'), JSON.stringify({ folder: '.' }));
    save(checkpoints, 'last');
    assert.ok(existsSync(join(best, 'weights.safetensors')), 'the best checkpoint survives');
    assert.ok(existsSync(join(checkpoints, 'best.json')));
  });

  it('still replace the previous checkpoint that vlsm wrote', () => {
    const { checkpoints } = runBesideVictim();
    const first = save(checkpoints, 'last', 1);
    const second = save(checkpoints, 'last', 2);
    assert.ok(!existsSync(first), 'the previous last checkpoint is removed');
    assert.deepEqual(readdirSync(checkpoints).sort(), [second.split('/').pop(), 'last.json'].sort());
  });

  it('refuse to load a checkpoint outside checkpoints/, through a symlink, or another checkpoint\'s folder', () => {
    const { checkpoints, victim } = runBesideVictim();
    const outside = save(victim, 'last');
    const name = outside.split('/').pop()!;
    writeFileSync(join(checkpoints, 'last.json'), JSON.stringify({ folder: `../../../somewhere/${name}` }));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), (e: unknown) => e instanceof CheckpointError && /last\.json: field 'folder' must name a folder of checkpoints\//.test(e.message) && e.key === 'folder');
    // A folder with the right name that is a link to the one outside.
    symlinkSync(outside, join(checkpoints, name));
    writeFileSync(join(checkpoints, 'last.json'), JSON.stringify({ folder: name }));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), (e: unknown) => e instanceof CheckpointError && /is a link or file, not a folder/.test(e.message));
    rmSync(join(checkpoints, name));
    // A real folder whose weights file is a link to a file outside.
    mkdirSync(join(checkpoints, name));
    for (const f of ['optimizer.safetensors', 'state.json']) cpSync(join(outside, f), join(checkpoints, name, f));
    symlinkSync(join(outside, 'weights.safetensors'), join(checkpoints, name, 'weights.safetensors'));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), (e: unknown) => e instanceof CheckpointError && /weights\.safetensors: not a regular file/.test(e.message));
    // last.json naming best's folder.
    const best = save(checkpoints, 'best').split('/').pop()!;
    writeFileSync(join(checkpoints, 'last.json'), JSON.stringify({ folder: best }));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), /field 'folder' must name a folder/);
    // A pointer that is itself a link.
    rmSync(join(checkpoints, 'last.json'));
    symlinkSync(join(checkpoints, 'best.json'), join(checkpoints, 'last.json'));
    assert.throws(() => loadCheckpoint(checkpoints, 'last'), /last\.json: the checkpoint pointer is not a regular file \(a symlink\)/);
  });

  // GENUINE stands for the name of the run's real 'last' folder, known only once it is written.
  const segment = fc.constantFrom('..', '.', '', 'checkpoints', 'somewhere', 'run', 'GENUINE', 'notes', 'best-e1-s3-1', 'last-e1-s1-1', '/', '\\', '%2e%2e');
  const folder = fc.oneof(
    fc.string(),
    fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/')),
    fc.tuple(fc.constantFrom('', '/', './', '../', '../../../somewhere/', 'GENUINE/', 'GENUINE/../'), fc.constantFrom('GENUINE', 'last-e0-s0-0', '.', '..')).map(([a, b]) => a + b),
    fc.constant('GENUINE'),
  );
  const pointer = fc.oneof(fc.record({ folder }), fc.record({ folder, epoch: fc.anything(), step: fc.integer() }, { requiredKeys: [] }), fc.record({ folder: fc.anything() }), fc.anything());
  /** A run with a best checkpoint, a 'last' one (GENUINE), a folder of notes, and a victim outside. */
  function layout() {
    const { run, checkpoints, victim } = runBesideVictim();
    writeFileSync(join(run, 'config.json'), '{}');
    mkdirSync(join(checkpoints, 'notes'));
    const best = save(checkpoints, 'best');
    let genuine = save(checkpoints, 'last').split('/').pop()!;
    return {
      checkpoints,
      survivors: [join(victim, 'precious.txt'), join(run, 'config.json'), join(checkpoints, 'notes'), join(best, 'weights.safetensors')],
      /** Writes the pointer with GENUINE replaced by the real folder (written again if a save removed it). */
      point(json: unknown): string {
        if (!existsSync(join(checkpoints, genuine))) genuine = save(checkpoints, 'last').split('/').pop()!;
        const text = (JSON.stringify(json) ?? 'null').replaceAll('GENUINE', genuine);
        writeFileSync(join(checkpoints, 'last.json'), text);
        return text;
      },
      cleanUp: () => rmSync(dirname(dirname(run)), { recursive: true, force: true }),
    };
  }

  it('never resolve outside checkpoints/, for arbitrary pointer JSON (property)', () => {
    const run = layout();
    const real = realpathSync(run.checkpoints);
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(pointer, (json) => {
        const text = run.point(json);
        try {
          const path = checkpointFolder(run.checkpoints, 'last');
          assert.equal(dirname(realpathSync(path)), real, `${text} resolved to ${realpathSync(path)}`);
          loaded++;
        } catch (error) {
          if (!(error instanceof CheckpointError)) throw error;
          assert.ok(error.message.includes(run.checkpoints), `the error names the checkpoints folder: ${error.message}`);
          refused++;
        }
      }),
      { seed: 12, numRuns: 200 },
    );
    run.cleanUp();
    assert.ok(refused > 0 && loaded > 0, `${loaded} loaded, ${refused} refused`);
    console.log(`pointer resolution property (seed 12, 200 runs): ${loaded} pointers loaded (all inside checkpoints/), ${refused} refused`);
  });

  it('never let a save delete anything but the run\'s previous checkpoint, for arbitrary pointer JSON (property)', () => {
    const run = layout();
    fc.assert(
      fc.property(pointer, (json) => {
        const text = run.point(json);
        // Whatever the pointer said, a save deletes nothing but the run's previous 'last' folder.
        const written = save(run.checkpoints, 'last');
        for (const kept of [...run.survivors, join(written, 'weights.safetensors')]) assert.ok(existsSync(kept), `${kept} survives a save after pointer ${text}`);
      }),
      { seed: 13, numRuns: 40 },
    );
    run.cleanUp();
  });
});

describe('resuming a run', () => {
  const recipe = resolveRecipe('clipseg', 'published', { batch_size: 8, max_epochs: 2, min_epochs: 0, lr: 3e-3, seed: 3 });
  let base: Promise<string> | undefined;
  /** A run killed after one step (so 'last' holds Adam state), written once and copied per case. */
  const killedRun = (): Promise<string> =>
    (base ??= (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vlsm-resume-'));
      const model = tinyClipseg();
      await finetune({ model, recipe, trainSamples: (e) => samples('train', 'p6', e), valSamples: await samples('val'), outDir: dir, config: {}, cache: false, stopAfterSteps: 1, log: quiet });
      model.dispose();
      return dir;
    })());
  const copyOfRun = async (): Promise<{ dir: string; folder: string }> => {
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-resume-copy-'));
    cpSync(await killedRun(), dir, { recursive: true });
    const pointer = JSON.parse(readFileSync(join(dir, 'checkpoints', 'last.json'), 'utf8')) as { folder: string };
    return { dir, folder: join(dir, 'checkpoints', pointer.folder) };
  };
  const resume = async (dir: string, r = recipe) => {
    const model = tinyClipseg();
    try {
      return await finetune({ model, recipe: r, trainSamples: (e) => samples('train', 'p6', e), valSamples: await samples('val'), outDir: dir, config: {}, cache: false, resume: true, log: quiet });
    } finally {
      model.dispose();
    }
  };
  const editState = (folder: string, edit: (state: { trainer: Record<string, unknown>; optimizer: { state: Record<string, Record<string, unknown>> } }) => void): void => {
    const state = JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8'));
    edit(state);
    writeFileSync(join(folder, 'state.json'), JSON.stringify(state));
  };
  /** Replaces one optimizer tensor, keeping the others. */
  const replaceTensor = (folder: string, key: string, make: (old: torch.Tensor) => torch.Tensor): void => {
    const file = join(folder, 'optimizer.safetensors');
    const tensors = torch.io.loadSafetensors(file);
    const old = tensors.get(key)!;
    tensors.set(key, make(old));
    torch.io.saveSafetensors(file, tensors);
    torch.dispose([...tensors.values()], old);
  };
  const firstAdamKey = (folder: string): string => {
    const state = JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8')) as { optimizer: { state: Record<string, { exp_avg?: { tensor: string } }> } };
    return Object.values(state.optimizer.state).find((s) => s.exp_avg)!.exp_avg!.tensor;
  };

  it('refuses a state.json whose epoch is not a number (it used to skip training and report "finished")', async () => {
    const { dir, folder } = await copyOfRun();
    editState(folder, (s) => (s.trainer.epoch = 'x'));
    await assert.rejects(resume(dir), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(join(folder, 'state.json')) && /field 'trainer\.epoch': Expected number, received string/.test(e.message) && e.key === 'trainer.epoch');
  });

  it('refuses optimizer state of the wrong shape before training, naming the tensor and the parameter', async () => {
    const { dir, folder } = await copyOfRun();
    const key = firstAdamKey(folder);
    replaceTensor(folder, key, () => torch.zeros([1]));
    await assert.rejects(resume(dir), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(join(folder, 'optimizer.safetensors')) && e.message.includes(`tensor '${key}'`) && /is float32 \[1\], the parameter is float32 \[\d/.test(e.message));
  });

  it('refuses optimizer state of the wrong dtype', async () => {
    const { dir, folder } = await copyOfRun();
    const key = firstAdamKey(folder);
    replaceTensor(folder, key, (old) => old.to({ dtype: 'int64' }));
    await assert.rejects(resume(dir), (e: unknown) => e instanceof CheckpointError && e.message.includes(`tensor '${key}'`) && /is int64 \[.*\], the parameter is float32/.test(e.message));
  });

  it('names state.json and the field when the parameter groups do not match', async () => {
    const { dir, folder } = await copyOfRun();
    const regrouped = { ...recipe, lr_groups: { 'decoder.film': 1e-3 } };
    await assert.rejects(resume(dir, regrouped), (e: unknown) => e instanceof CheckpointError && e.message.startsWith(join(folder, 'state.json')) && /field 'optimizer\.param_groups' has 1 parameter groups, this run's optimizer has 2/.test(e.message));
  });

  it('does not load weights from outside the run through last.json', async () => {
    const { dir } = await copyOfRun();
    const elsewhere = await copyOfRun();
    const outside = elsewhere.folder.split('/').slice(-3).join('/');
    writeFileSync(join(dir, 'checkpoints', 'last.json'), JSON.stringify({ folder: `../../${outside}` }));
    await assert.rejects(resume(dir), (e: unknown) => e instanceof CheckpointError && /last\.json: field 'folder' must name a folder of checkpoints\//.test(e.message));
  });

  it('reads and writes nothing outside the run folder through links (checkpoints/, log.jsonl)', async () => {
    const outsideLog = join(mkdtempSync(join(tmpdir(), 'vlsm-elsewhere-')), 'victim.txt');
    writeFileSync(outsideLog, 'untouched');
    const dir = mkdtempSync(join(tmpdir(), 'vlsm-run-'));
    symlinkSync(outsideLog, join(dir, 'log.jsonl'));
    const model = tinyClipseg();
    const run = async () => finetune({ model, recipe, trainSamples: (e) => samples('train', 'p6', e), valSamples: await samples('val'), outDir: dir, config: {}, cache: false, stopAfterSteps: 1, log: quiet });
    await assert.rejects(run(), (e: unknown) => e instanceof ConfigError && e.message.startsWith(join(dir, 'log.jsonl')) && /outside the run folder/.test(e.message));
    assert.equal(readFileSync(outsideLog, 'utf8'), 'untouched');
    assert.ok(!existsSync(join(dir, 'checkpoints')), 'nothing was created before the check');
    rmSync(join(dir, 'log.jsonl'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'vlsm-elsewhere-'));
    symlinkSync(elsewhere, join(dir, 'checkpoints'));
    await assert.rejects(run(), (e: unknown) => e instanceof ConfigError && e.message.startsWith(join(dir, 'checkpoints')) && /outside the run folder/.test(e.message));
    assert.deepEqual(readdirSync(elsewhere), []);
    model.dispose();
  });
});

describe('state.json', () => {
  it('either validates or raises a CheckpointError naming the file and the damaged field, for arbitrary edits (property)', async () => {
    const valid = {
      trainer: { epoch: 1, nextBatch: 2, globalStep: 5, bestMetric: 0.5, bestEpoch: 1, badEpochs: 0, stopped: false, history: [{ epoch: 1, trainLoss: 0.7, valLoss: null, valDice: 0.5, lr: 0.001, seconds: 2 }] },
      optimizer: { state: { 0: { step: 3, exp_avg: { tensor: 'state/0/exp_avg' } } }, param_groups: [{ params: [0], lr: 0.001 }] },
      scheduler: {},
      config: { a: 1 },
    };
    const paths = ['trainer', 'trainer.epoch', 'trainer.nextBatch', 'trainer.globalStep', 'trainer.bestMetric', 'trainer.bestEpoch', 'trainer.badEpochs', 'trainer.stopped', 'trainer.history', 'trainer.history.0', 'trainer.history.0.trainLoss', 'optimizer', 'optimizer.state', 'optimizer.state.0', 'optimizer.state.0.exp_avg', 'optimizer.param_groups', 'optimizer.param_groups.0', 'optimizer.param_groups.0.params'];
    const file = '/runs/r/checkpoints/last-e1-s5-1/state.json';
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.oneof(fc.jsonValue(), fc.constant(undefined)), (path, value) => {
        const state = structuredClone(valid) as Record<string, unknown>;
        const keys = path.split('.');
        let node = state;
        for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[keys.at(-1)!] = value;
        try {
          const parsed = parseSavedState(JSON.stringify(state), file);
          for (const k of ['epoch', 'nextBatch', 'globalStep', 'badEpochs'] as const) assert.ok(Number.isSafeInteger(parsed.trainer[k]) && parsed.trainer[k] >= 0, `${k} is a count`);
          accepted++;
        } catch (error) {
          assert.ok(error instanceof CheckpointError, `not a CheckpointError: ${String(error)}`);
          assert.ok(error.message.startsWith(`${file}: corrupt training state: field '`), error.message);
          assert.ok(error.key!.startsWith(path), `field ${error.key} is within the edited ${path}`);
          refused++;
        }
      }),
      { seed: 7, numRuns: 400 },
    );
    assert.throws(() => parseSavedState('{"trainer": ', file), /state\.json: corrupt training state \(not valid JSON/);
    console.log(`state.json property (seed 7, 400 runs): ${accepted} accepted, ${refused} refused`);
  });
});
