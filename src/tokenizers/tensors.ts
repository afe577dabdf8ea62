// Encodings as int64 tensors, the dtype the text towers index their embeddings with.

import * as torch from '../torch/index.js';
import { ConfigError } from '../errors.js';

/** Rows of equal length as one int64 tensor [rows, length]. */
export function idsToTensor(rows: readonly (readonly number[])[], name = 'inputIds'): torch.Tensor {
  const length = rows[0]?.length ?? 0;
  rows.forEach((row, i) => {
    if (row.length !== length) {
      throw new ConfigError(`toTensors: ${name} row ${i} has ${row.length} tokens, row 0 has ${length}; encode with padding: 'max_length' to get a rectangular batch`);
    }
  });
  const flat = new BigInt64Array(rows.length * length);
  rows.forEach((row, i) => row.forEach((v, j) => (flat[i * length + j] = BigInt(v))));
  return torch.tensor(flat, { shape: [rows.length, length] });
}

/** `{inputIds, attentionMask}` as int64 tensors [batch, contextLength]. */
export function toTensors(encoding: { inputIds: readonly (readonly number[])[]; attentionMask: readonly (readonly number[])[] }): {
  inputIds: torch.Tensor;
  attentionMask: torch.Tensor;
} {
  return { inputIds: idsToTensor(encoding.inputIds, 'inputIds'), attentionMask: idsToTensor(encoding.attentionMask, 'attentionMask') };
}
