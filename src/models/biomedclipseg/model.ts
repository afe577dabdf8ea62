// BiomedCLIPSeg and BiomedCLIPSeg-D (Poudel et al., "Exploring Transfer Learning in Medical Image
// Segmentation using Vision-Language Models"): CLIPSeg's decoder on BiomedCLIP's ViT activations,
// conditioned on BiomedCLIP's projected text embedding. The two variants differ only in how the
// decoder starts: randomly (PyTorch's default initialisation) or from CLIPSeg's trained decoder.
// Reference: naamiinepal/medvlsm src/models/biomedclipseg.py at dc36a3a, checked through
// test/fixtures/biomedclipseg-tiny (computed by that code with open_clip, timm and transformers).
import * as torch from '../../torch/index.js';
import { BiomedCLIP } from '../biomedclip/model.js';
import { CLIPSegDecoder } from '../clipseg/model.js';
import type { BiomedCLIPSegConfig } from './config.js';

const { nn } = torch;
type Tensor = torch.Tensor;

export interface BiomedCLIPSegInputs {
  /** [B, 3, S, S] normalised with CLIP's mean/std, S = the ViT's image size (224). */
  pixelValues: Tensor;
  /** [B, L] int64 WordPiece ids (or give `conditionalEmbeddings`). */
  inputIds?: Tensor;
  /** [B, L], 1 on real tokens; default: every id other than [PAD]. */
  attentionMask?: Tensor;
  /** Precomputed prompt embeddings [B, embed_dim]. */
  conditionalEmbeddings?: Tensor;
  /** Precomputed tapped activations (the frozen-feature cache), as visionActivations returns. */
  activations?: readonly Tensor[];
}

export interface BiomedCLIPSegOutput {
  /** [B, S, S], before the sigmoid. */
  logits: Tensor;
  conditionalEmbeddings: Tensor;
  activations: Tensor[];
}

/** Runs `build` with the global generator seeded by `seed`, then puts the generator back. */
function withSeed<T>(seed: number, build: () => T): T {
  const saved = torch.getRngState();
  torch.manualSeed(seed);
  try {
    return build();
  } finally {
    torch.setRngState(saved);
    saved.dispose();
  }
}

export class BiomedCLIPSeg extends nn.Module {
  readonly biomedclip: BiomedCLIP;
  readonly decoder: CLIPSegDecoder;
  readonly tappedBlocks: readonly number[];

  /**
   * Builds the model with freshly initialised weights. The decoder gets PyTorch's default
   * initialisation for each layer type (what BiomedCLIPSeg trains from), drawn from a generator
   * seeded with `decoderSeed` when given, so the same seed gives the same decoder.
   */
  constructor(readonly config: BiomedCLIPSegConfig, o: { decoderSeed?: number } = {}) {
    super();
    this.tappedBlocks = config.tappedBlocks;
    this.biomedclip = this.registerModule('biomedclip', new BiomedCLIP(config.biomedclip));
    // The reduces are sized from the ViT itself; CLIPSeg's vision_config.hidden_size is not read.
    const buildDecoder = (): CLIPSegDecoder => new CLIPSegDecoder(config.decoder, config.biomedclip.vision.width);
    this.decoder = this.registerModule('decoder', o.decoderSeed === undefined ? buildDecoder() : withSeed(o.decoderSeed, buildDecoder));
  }

  /** The ViT's image size and patch grid side. */
  get imageSize(): number {
    return this.config.biomedclip.vision.image_size;
  }

  /**
   * The outputs of the tapped blocks, in extract_layers order: [B, 1 + N, D] each, raw residual
   * stream, no LayerNorm. Computed without gradients (medvlsm runs the ViT in inference mode), and
   * only up to the deepest tapped block: the blocks after it cannot reach the logits.
   */
  visionActivations(pixelValues: Tensor): Tensor[] {
    return torch.noGrad(() => this.biomedclip.visual.trunk.forward(pixelValues, { keepBlocks: this.tappedBlocks, stopEarly: true }).blockOutputs);
  }

  /** The projected text embedding [B, embed_dim] (not normalised), without gradients (frozen encoder). */
  conditionalEmbeddings(inputIds: Tensor, attentionMask?: Tensor): Tensor {
    return torch.noGrad(() => this.biomedclip.encodeText(inputIds, attentionMask));
  }

  /** The decoder state before the transposed-convolution head: [B, reduce_dim, S/p, S/p]. */
  decoderFeatures(activations: readonly Tensor[], conditionalEmbeddings: Tensor): Tensor {
    return this.decoder.features(activations, conditionalEmbeddings, this.grid());
  }

  forward(inputs: BiomedCLIPSegInputs): BiomedCLIPSegOutput {
    return torch.scope(() => {
      const activations = inputs.activations ? [...inputs.activations] : this.visionActivations(inputs.pixelValues);
      let conditionalEmbeddings = inputs.conditionalEmbeddings;
      if (!conditionalEmbeddings) {
        if (!inputs.inputIds) throw new TypeError('BiomedCLIPSeg.forward: give inputIds (a text prompt) or conditionalEmbeddings');
        conditionalEmbeddings = this.conditionalEmbeddings(inputs.inputIds, inputs.attentionMask);
      }
      const images = activations[0].size(0);
      const prompts = conditionalEmbeddings.size(0);
      let decoderInputs = activations;
      if (prompts !== images) {
        // One image, several prompts: the image is repeated per prompt.
        if (images !== 1) throw new RangeError(`BiomedCLIPSeg.forward: ${images} images but ${prompts} prompts; give one prompt per image, or one image`);
        decoderInputs = activations.map((a) => a.expand([prompts, -1, -1]));
      }
      const logits = this.decoder.forward(decoderInputs, conditionalEmbeddings, this.grid()); // [B, S, S]
      return { logits, conditionalEmbeddings, activations };
    });
  }

  private grid(): [number, number] {
    const side = this.imageSize / this.config.biomedclip.vision.patch_size;
    return [side, side];
  }
}
