// The Hub token as huggingface_hub finds it: $HF_TOKEN (or the older $HUGGING_FACE_HUB_TOKEN),
// else the token file `huggingface-cli login` writes ($HF_TOKEN_PATH, $HF_HOME/token,
// $XDG_CACHE_HOME/huggingface/token, ~/.cache/huggingface/token). The token is never printed.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the token file is looked for, first match wins. */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  if (env.HF_HOME) return join(env.HF_HOME, 'token');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'token');
}

/** The token and where it came from (for messages: the source, never the value); undefined when none is set. */
export function findHubToken(env: NodeJS.ProcessEnv = process.env): { token: string; source: string } | undefined {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return { token: value, source: `$${name}` };
  }
  const file = tokenFilePath(env);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token ? { token, source: file } : undefined;
}
