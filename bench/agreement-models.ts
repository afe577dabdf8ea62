// The small models bench/bf16-agreement.ts trains, one per family: each family's architecture at
// sizes that train on two shared cores in well under a minute and still learn the sample's masks.
import { torch } from '../src/index.js';
import { resolveBiomedClipConfig } from '../src/models/biomedclip/config.js';
import { biomedClipSegConfig } from '../src/models/biomedclipseg/config.js';
import { BiomedCLIPSegSegmentationModel } from '../src/models/biomedclipseg/family.js';
import { BiomedCLIPSeg } from '../src/models/biomedclipseg/model.js';
import { clipsegConfigSchema } from '../src/models/clipseg/config.js';
import { clipsegFromConfig } from '../src/models/clipseg/family.js';
import { crisConfigSchema } from '../src/models/cris/config.js';
import { CrisSegmentationModel } from '../src/models/cris/family.js';
import { CRIS } from '../src/models/cris/model.js';
import type { SegmentationModel } from '../src/models/types.js';
import { ClipTokenizer, WordPieceTokenizer } from '../src/tokenizers/index.js';
import type { AgreementTraining } from './bf16-agreement.js';

export interface AgreementModel {
  build: () => SegmentationModel;
  training: AgreementTraining;
}

/** CLIPSeg's architecture; config, steps and seed unchanged since the first runs, so their numbers compare. */
const SMALL_CLIPSEG = {
  text_config: { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 },
  vision_config: { hidden_size: 96, intermediate_size: 192, num_hidden_layers: 4, num_attention_heads: 4, image_size: 128, patch_size: 16 },
  projection_dim: 64,
  extract_layers: [1, 2, 3],
  reduce_dim: 32,
  decoder_num_attention_heads: 4,
  decoder_intermediate_size: 64,
};

/** CRIS: an RN-style backbone of width 16 (one block per stage), a 2-layer text encoder and decoder of width 32, 128² squash. */
const SMALL_CRIS = {
  backbone: { vision_layers: [1, 1, 1, 1], vision_width: 16, image_resolution: 128, embed_dim: 64 },
  text: { width: 32, heads: 4, layers: 2, word_len: 24 },
  neck: { fpn_in: [128, 256, 64], fpn_out: [16, 32, 64] },
  decoder: { num_layers: 2, d_model: 32, num_heads: 4, dim_ffn: 64, dropout: 0 },
  projector: { word_dim: 64, in_dim: 16, kernel_size: 3 },
  input: { image_size: [128, 128] },
};

/** BiomedCLIPSeg: a 4-block ViT of width 64 and a 2-layer BERT of width 32 (both frozen, as the family trains), the CLIPSeg decoder on top. */
const SMALL_BIOMEDCLIP = {
  model_cfg: {
    embed_dim: 64,
    vision_cfg: { timm_model_name: 'vit_small_bench', image_size: 128, width: 64, layers: 4, head_width: 16, mlp_ratio: 2, patch_size: 16 },
    text_cfg: { hf_model_name: 'bert_small_bench', hf_proj_type: 'mlp', hf_pooler_type: 'cls_last_hidden_state_pooler', context_length: 32 },
  },
  hf_text_config: { vocab_size: 16, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64, attention_probs_dropout_prob: 0, hidden_dropout_prob: 0 },
};
const SMALL_BIOMEDCLIPSEG_DECODER = {
  vision_config: { patch_size: 16, image_size: 128 },
  projection_dim: 64,
  extract_layers: [0, 1, 2],
  reduce_dim: 32,
  decoder_num_attention_heads: 4,
  decoder_intermediate_size: 64,
};
/** BERT's special tokens and the words of the sample's prompts; anything else is [UNK]. */
const SAMPLE_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', 'the', 'in', 'tumor', 'breast', 'ultrasound', 'image', 'of', 'a', 'lesion', 'mass'];

export const agreementModels: Record<'clipseg' | 'cris' | 'biomedclipseg', AgreementModel> = {
  clipseg: {
    build: () => clipsegFromConfig(SMALL_CLIPSEG, [128, 128]),
    training: { steps: 80, lr: 2e-3, seed: 0, prompt: 'p1' },
  },
  cris: {
    build: () => new CrisSegmentationModel(torch.scope(() => new CRIS(crisConfigSchema.parse(SMALL_CRIS))), ClipTokenizer.bundled()),
    training: { steps: 100, lr: 1e-3, seed: 0, prompt: 'p5' },
  },
  biomedclipseg: {
    build: () => {
      const config = biomedClipSegConfig(resolveBiomedClipConfig(SMALL_BIOMEDCLIP, 'bench BiomedCLIP'), clipsegConfigSchema.parse(SMALL_BIOMEDCLIPSEG_DECODER));
      return new BiomedCLIPSegSegmentationModel('biomedclipseg', torch.scope(() => new BiomedCLIPSeg(config)), WordPieceTokenizer.fromVocab(SAMPLE_VOCAB));
    },
    training: { steps: 80, lr: 2e-3, seed: 0, prompt: 'p1' },
  },
};
