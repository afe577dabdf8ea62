// BiomedCLIPSeg / BiomedCLIPSeg-D configuration: a BiomedCLIP (open_clip_config.json) and the
// CLIPSeg decoder's config.json (CIDAS/clipseg-rd64-refined for the paper's models), plus which
// ViT blocks feed the decoder.
//
// Which blocks are tapped. medvlsm's BiomedCLIPSeg (src/models/biomedclipseg.py) collects one
// hidden state per ViT block (no embeddings entry) and still indexes it hidden_states[i + 1] for
// i in extract_layers, so extract_layers [3, 6, 9] taps blocks 4, 7 and 10 (0-based), one deeper
// than CLIPSeg's 3, 6, 9 (docs/training.md §7 item 22;
// test/fixtures/biomedclipseg-tiny/README.md). The default, 'medvlsm', reproduces that; 'clipseg'
// taps extract_layers as CLIPSeg reads them; `tappedBlocks` names the blocks outright.
import { ConfigError } from '../../errors.js';
import type { BiomedCLIPConfig } from '../biomedclip/config.js';
import type { CLIPSegConfig } from '../clipseg/config.js';

export type TapConvention = 'medvlsm' | 'clipseg';

export interface BiomedCLIPSegConfig {
  biomedclip: BiomedCLIPConfig;
  decoder: CLIPSegConfig;
  /** 0-based ViT blocks whose outputs (no LayerNorm) feed the decoder, in extract_layers order. */
  tappedBlocks: number[];
}

export interface TapOptions {
  /** How extract_layers maps to blocks (default 'medvlsm': block i + 1). */
  tap?: TapConvention;
  /** The blocks themselves, one per extract layer; overrides `tap`. */
  tappedBlocks?: readonly number[];
}

/** Combines the two configs and checks that they fit together; `source` names them in errors. */
export function biomedClipSegConfig(biomedclip: BiomedCLIPConfig, decoder: CLIPSegConfig, o: TapOptions & { source?: string } = {}): BiomedCLIPSegConfig {
  const source = o.source ?? 'BiomedCLIPSeg config';
  const layers = decoder.extract_layers;
  const blocks = biomedclip.vision.layers;
  if (decoder.projection_dim !== biomedclip.embed_dim) {
    throw new ConfigError(`${source}: the decoder's projection_dim ${decoder.projection_dim} must equal BiomedCLIP's embed_dim ${biomedclip.embed_dim} (FiLM takes the projected text embedding)`, source, 'projection_dim');
  }
  if (decoder.vision_config.patch_size !== biomedclip.vision.patch_size) {
    throw new ConfigError(
      `${source}: the decoder's vision_config.patch_size ${decoder.vision_config.patch_size} must equal the ViT's patch size ${biomedclip.vision.patch_size}, or the logits would not come out at the input size`,
      source,
      'vision_config.patch_size',
    );
  }
  let tappedBlocks: number[];
  if (o.tappedBlocks) {
    if (o.tappedBlocks.length !== layers.length) {
      throw new ConfigError(`${source}: ${o.tappedBlocks.length} tapped blocks given, the decoder has ${layers.length} (one per extract layer)`, source, 'tappedBlocks');
    }
    tappedBlocks = [...o.tappedBlocks];
  } else {
    const tap = o.tap ?? 'medvlsm';
    if (tap !== 'medvlsm' && tap !== 'clipseg') throw new ConfigError(`${source}: tap must be 'medvlsm' or 'clipseg', got ${JSON.stringify(tap)}`, source, 'tap');
    tappedBlocks = layers.map((i) => (tap === 'medvlsm' ? i + 1 : i));
  }
  const bad = tappedBlocks.findIndex((b) => !Number.isInteger(b) || b < 0 || b >= blocks);
  if (bad >= 0) {
    throw new ConfigError(
      `${source}: extract layer ${layers[bad]} taps block ${tappedBlocks[bad]}, but the ViT has ${blocks} blocks (0..${blocks - 1})` +
        (o.tappedBlocks ? '' : `; under medvlsm's convention extract_layers must be at most ${blocks - 2}, or use tap: 'clipseg'`),
      source,
      o.tappedBlocks ? 'tappedBlocks' : 'extract_layers',
    );
  }
  return { biomedclip, decoder, tappedBlocks };
}
