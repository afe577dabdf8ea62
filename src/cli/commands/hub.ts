// `vlsm hub push DIR --repo user/name [--private]`: uploads an exported folder to the Hugging Face
// Hub (the token from $HF_TOKEN or the HuggingFace token file; never printed).
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pushFolder } from '../../hub/index.js';

const USAGE = `usage: vlsm hub push DIR --repo USER/NAME [--private] [--message TEXT]
  uploads DIR (e.g. what vlsm export wrote) to the model repository USER/NAME on the
  Hugging Face Hub, creating it when missing. Token: $HF_TOKEN, else the token file of
  huggingface-cli login ($HF_HOME/token or ~/.cache/huggingface/token). $HF_ENDPOINT
  overrides the Hub address. A push cut short resumes: files already uploaded are skipped.`;

export async function runHub(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'push') {
    console.error(`vlsm hub: unknown subcommand '${sub}'; expected push\n\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { repo: { type: 'string' }, private: { type: 'boolean' }, message: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    console.error(`vlsm hub push: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [dir] = parsed.positionals;
  if (parsed.positionals.length !== 1 || dir === undefined) {
    console.error(`vlsm hub push: expected one DIR, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  if (!parsed.values.repo) {
    console.error(`vlsm hub push: --repo USER/NAME is required\n\n${USAGE}`);
    return 2;
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`vlsm hub push: ${dir}: not a folder`);
    return 2;
  }
  const result = await pushFolder(dir, {
    repo: parsed.values.repo,
    private: parsed.values.private === true,
    ...(parsed.values.message !== undefined ? { commitMessage: parsed.values.message } : {}),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`${result.repo}: pushed ${result.regular.length + result.uploaded.length + result.skipped.length} files (${result.uploaded.length} through LFS, ${result.skipped.length} already there)${result.commitUrl ? `: ${result.commitUrl}` : ''}`);
  return 0;
}
