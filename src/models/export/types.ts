// What an export to a model's home library writes and how it is described (the model card reads it).
import type * as torch from '../../torch/index.js';

/** The home formats: HuggingFace transformers, open_clip (+ decoder), CRIS.pytorch, segmentation_models_pytorch. */
export const HOME_FORMATS = ['hf', 'open_clip', 'cris', 'smp'] as const;
export type HomeFormat = (typeof HOME_FORMATS)[number];

/** Floating-point dtypes an export may store; integer buffers keep their own. */
export const EXPORT_DTYPES = { fp32: 'float32', bf16: 'bfloat16', fp16: 'float16' } as const satisfies Record<string, torch.DType>;
export type ExportDtype = keyof typeof EXPORT_DTYPES;

export interface ExportOptions {
  /** Stored dtype of floating-point tensors (default fp32). */
  dtype?: ExportDtype;
  /** CRIS: keys under DataParallel's `module.` as CRIS.pytorch's test.py loads them (default true). */
  modulePrefix?: boolean;
  /** The folder the model was loaded from, whose tokenizer and open_clip files travel with it. */
  sourceFolder?: string;
}

export interface ExportedModel {
  format: HomeFormat;
  /** The library that loads the folder, as the model card's `library_name` names it. */
  library: string;
  /** Files written, relative to the export folder, sorted. */
  files: string[];
  /** Python that loads the folder in its home library (`{dir}` stands for the folder). */
  homeSnippet: string;
}
