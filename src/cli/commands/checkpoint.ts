// `vlsm checkpoint inspect FILE` and `vlsm checkpoint convert IN OUT.safetensors`: look inside a
// checkpoint without loading it, and turn torch.save / TorchScript archives into safetensors
// through the restricted unpickler (no code from the checkpoint runs).
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { elementSize } from '../../torch/dtype.js';
import { inspectCheckpoint, loadStateDict, saveSafetensors, type CheckpointInfo } from '../../torch/io/index.js';

const USAGE = `usage:
  vlsm checkpoint inspect FILE [--json]
      every tensor's name, dtype, shape and bytes, and the totals
      (safetensors, torch.save zip archives, TorchScript archives)
  vlsm checkpoint convert IN OUT.safetensors [--strip-prefix P]... [--key K]
      writes IN's state dict as safetensors; --strip-prefix removes a name prefix
      (repeatable; default: 'module.' when every name has it), --key picks the state
      dict under that top-level key (default: found: state_dict, model, module, …)`;

export async function runCheckpoint(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? console.error : console.log)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'inspect') return inspect(rest);
  if (sub === 'convert') return convert(rest);
  console.error(`vlsm checkpoint: unknown subcommand '${sub}'; expected inspect or convert\n\n${USAGE}`);
  return 2;
}

function parse(args: string[], options: ParseArgsOptionsConfig): { values: Record<string, unknown>; positionals: string[] } | undefined {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (error) {
    console.error(`vlsm checkpoint: ${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

async function inspect(args: string[]): Promise<number> {
  const parsed = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed) return 2;
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`vlsm checkpoint inspect: expected one FILE, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const info = await inspectCheckpoint(parsed.positionals[0]);
  if (parsed.values.json) console.log(JSON.stringify(info, null, 2));
  else console.log(formatInfo(info));
  return 0;
}

/** A table: name, dtype, shape, bytes; then the totals. */
export function formatInfo(info: CheckpointInfo): string {
  const rows = info.tensors.map((t) => [t.name + (t.kind && t.kind !== 'parameter' ? ` (${t.kind})` : ''), t.dtype, `[${t.shape.join(', ')}]`, t.bytes.toLocaleString('en-US')]);
  const header = ['name', 'dtype', 'shape', 'bytes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const meta = Object.entries(info.metadata).map(([k, v]) => `  ${k}: ${v}`);
  return [
    `${info.path}: ${info.format}`,
    ...(meta.length ? ['metadata:', ...meta] : []),
    line(header),
    ...rows.map(line),
    `${info.tensors.length} tensors, ${info.totalElements.toLocaleString('en-US')} elements, ${info.totalBytes.toLocaleString('en-US')} bytes (${formatBytes(info.totalBytes)})`,
  ].join('\n');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

async function convert(args: string[]): Promise<number> {
  const parsed = parse(args, { 'strip-prefix': { type: 'string', multiple: true }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed) return 2;
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 2) {
    console.error(`vlsm checkpoint convert: expected IN and OUT.safetensors, got ${parsed.positionals.length} paths\n\n${USAGE}`);
    return 2;
  }
  const [input, output] = parsed.positionals;
  if (!output.endsWith('.safetensors')) {
    console.error(`vlsm checkpoint convert: the output '${output}' must end in .safetensors`);
    return 2;
  }
  const strip = parsed.values['strip-prefix'] as string[] | undefined;
  const key = parsed.values.key as string | undefined;
  const tensors = await loadStateDict(input, { ...(strip ? { stripPrefix: strip } : {}), ...(key !== undefined ? { key } : {}) });
  try {
    saveSafetensors(output, tensors, { format: 'pt', source: input });
    const bytes = [...tensors.values()].reduce((a, t) => a + t.numel() * elementSize(t.dtype), 0);
    console.log(`${output}: wrote ${tensors.size} tensors (${formatBytes(bytes)}) from ${input}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return 0;
}
