// One served model with its image-feature cache: the first prompt on an image runs the image
// encoder and keeps its features (keyed by the image's hash); every later prompt on that image
// runs only the text encoder and the decoder. The counters are what the page's tests assert on.
import * as torch from '../torch/index.js';
import type { RgbImage } from '../imaging/image-types.js';
import type { Resample } from '../models/resample.js';
import { promptSplitOf, type ImageFeatures, type PromptSplit } from '../models/prompt-split.js';
import type { SegmentationModel } from '../models/types.js';
import { weightsHash } from '../train/feature-cache.js';
import { BoundedLru } from './bounded-lru.js';

export interface ModelStats {
  /** Runs of the image path (one per image, unless evicted; one per prompt without a split). */
  imageEncodes: number;
  /** Prompts answered. */
  promptRuns: number;
  /** Prompts answered from cached image features. */
  featureHits: number;
  cachedImages: number;
  cachedBytes: number;
}

export interface FeatureCacheLimits {
  /** Images whose features are kept (default 8). */
  maxImages?: number;
  /** Bytes of features kept (default 1 GiB). */
  maxBytes?: number;
}

/** A probability map at the image's own size. */
export interface ProbabilityMap {
  width: number;
  height: number;
  /** sigmoid(logits), row-major. */
  probabilities: Float32Array;
}

export class ModelSession {
  readonly #split: PromptSplit | undefined;
  readonly #features: BoundedLru<ImageFeatures>;
  #weightsHash: string | undefined;
  readonly counts = { imageEncodes: 0, promptRuns: 0, featureHits: 0 };

  /** `name` is what the page shows (the --model argument). */
  constructor(readonly name: string, readonly model: SegmentationModel, readonly resample: Resample = model.resample, limits: FeatureCacheLimits = {}) {
    this.#split = promptSplitOf(model);
    this.#features = new BoundedLru<ImageFeatures>({
      maxEntries: limits.maxImages ?? 8,
      maxBytes: limits.maxBytes ?? 1024 ** 3,
      sizeOf: (f) => f.bytes,
      onEvict: (f) => torch.dispose([...f.tensors]),
    });
  }

  /** True when a prompt change skips the image encoder. */
  get cachesImages(): boolean {
    return this.#split !== undefined;
  }

  get stats(): ModelStats {
    return { ...this.counts, cachedImages: this.#features.size, cachedBytes: this.#features.bytes };
  }

  /** sha256 over the module's weights, computed once (it reads every parameter). */
  get weightsHash(): string {
    this.#weightsHash ??= weightsHash(this.model.module);
    return this.#weightsHash;
  }

  /** Probabilities of `prompt` on the image whose hash is `imageHash`, at the image's size. */
  probabilities(imageHash: string, image: RgbImage, prompt: string): ProbabilityMap {
    this.counts.promptRuns++;
    const { width, height } = image;
    if (!this.#split) {
      this.counts.imageEncodes++;
      return { width, height, probabilities: this.model.predict(image, prompt, { resample: this.resample }).probabilities };
    }
    let features = this.#features.get(imageHash);
    if (features) this.counts.featureHits++;
    else {
      this.counts.imageEncodes++;
      features = this.#split.encodeImage(image);
      this.#features.set(imageHash, features);
    }
    const split = this.#split;
    const cached = features;
    const [prediction] = torch.inferenceMode(() => torch.scope(() => this.model.postprocess(split.forwardPrompt(cached, prompt), [cached.originalSize], { resample: this.resample })));
    return { width, height, probabilities: prediction!.probabilities };
  }

  /** Frees the cached features (the model stays loaded). */
  clearCache(): void {
    this.#features.clear();
  }
}
