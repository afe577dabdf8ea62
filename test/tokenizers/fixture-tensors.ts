// Reads the integer tensors of a fixture's io.safetensors as rows of numbers (I64 and BOOL only),
// so the tokenizer tests do not depend on the tensor engine.
import { readFileSync } from 'node:fs';

export function readIntRows(path: string, name: string): number[][] {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const entry = header[name];
  if (!entry) throw new Error(`${path} has no tensor ${name}`);
  const [rows, cols] = entry.shape;
  const start = 8 + headerLength + entry.data_offsets[0];
  const width = entry.dtype === 'I64' ? 8 : entry.dtype === 'BOOL' ? 1 : 0;
  if (width === 0) throw new Error(`${name} is ${entry.dtype}, not I64 or BOOL`);
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => {
      const at = start + (r * cols + c) * width;
      return width === 8 ? Number(bytes.readBigInt64LE(at)) : bytes[at];
    }),
  );
}
