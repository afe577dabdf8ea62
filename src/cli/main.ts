// The `vlsm` command: parses the verb and hands the rest to its command module. Errors print
// their message and exit non-zero; `--debug` shows the stack.
import { packageVersion } from '../package-root.js';

type Command = { summary: string; load: () => Promise<(argv: string[]) => Promise<number>> };

const commands: Record<string, Command> = {
  demo: { summary: 'the main job on bundled data (see README)', load: async () => (await import('./commands/demo.js')).runDemoCommand },
  segment: { summary: 'segment images with a text prompt', load: async () => (await import('./commands/segment.js')).runSegment },
  finetune: { summary: 'fine-tune a model on datasets from a run config', load: async () => (await import('./commands/finetune.js')).runFinetuneCommand },
  eval: { summary: 'score a model or a finetune run on test sets', load: async () => (await import('./commands/evaluate.js')).runEvaluate },
  zeroshot: { summary: 'score a pretrained model over datasets x prompt types', load: async () => (await import('./commands/evaluate.js')).runZeroshot },
  robustness: { summary: 'perturb test prompts one attribute at a time; paired Dice change', load: async () => (await import('./commands/robustness.js')).runRobustnessCommand },
  results: { summary: 'list, show and export stored runs and metrics', load: async () => (await import('./commands/results.js')).runResults },
  report: { summary: "the paper's tables and figures from stored runs, as an offline folder", load: async () => (await import('./commands/report.js')).runReport },
  serve: { summary: 'a web page: upload an image, type a prompt, see the mask', load: async () => (await import('./commands/serve.js')).runServe },
  info: { summary: 'versions, libtorch, threads and devices', load: async () => (await import('./commands/info.js')).runInfo },
  checkpoint: { summary: 'inspect or convert checkpoint files', load: async () => (await import('./commands/checkpoint.js')).runCheckpoint },
  data: { summary: 'import datasets into the reference layout; check them', load: async () => (await import('./commands/data.js')).runData },
  prompts: { summary: 'generate language prompts P0-P9 for a dataset', load: async () => (await import('./commands/prompts.js')).runPrompts },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [`vlsm ${packageVersion()}: language-prompted medical image segmentation`, '', 'usage: vlsm <command> [options]', '', 'commands:', ...lines, '', 'Run `vlsm <command> --help` for a command\'s options.'].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(usage());
    return verb === undefined ? 1 : 0;
  }
  if (verb === '--version' || verb === '-v') {
    console.log(packageVersion());
    return 0;
  }
  const command = commands[verb];
  if (!command) {
    console.error(`vlsm: unknown command '${verb}'; commands: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    const e = error as Error;
    console.error(`vlsm ${verb}: ${e.message}`);
    if (debug) console.error(e.stack);
    else if (!(e as { isVlsmError?: boolean }).isVlsmError && !(e instanceof TypeError)) console.error('(run with --debug for the stack)');
    return 1;
  }
}
