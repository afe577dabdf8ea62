// Probability maps in the browser: decoded once from the server's 8-bit PNG, thresholded here (so
// the slider needs no request) and drawn as an overlay, a heatmap or a contour over the image.

/** Decodes a PNG (base64 or URL) into {width, height, pixels: RGBA}. */
export async function decodePng(source) {
  const image = new Image();
  image.src = source.startsWith('data:') || source.startsWith('blob:') ? source : `data:image/png;base64,${source}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(image, 0, 0);
  return { width: canvas.width, height: canvas.height, pixels: context.getImageData(0, 0, canvas.width, canvas.height).data };
}

/** The gray channel of a decoded probability PNG: 0..255 per pixel. */
export async function decodeProbabilities(base64Png) {
  const { width, height, pixels } = await decodePng(base64Png);
  const values = new Uint8Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = pixels[4 * i];
  return { width, height, values };
}

/** 1 where probability > threshold (the server's rule, on its 8-bit copy). */
export function maskOf(probabilities, threshold) {
  const mask = new Uint8Array(probabilities.values.length);
  const level = threshold * 255;
  let area = 0;
  for (let i = 0; i < mask.length; i++) {
    if (probabilities.values[i] > level) {
      mask[i] = 1;
      area++;
    }
  }
  return { width: probabilities.width, height: probabilities.height, data: mask, area };
}

/** Dice of two 0/1 masks of the same size (1 when both are empty). */
export function dice(a, b) {
  let both = 0;
  for (let i = 0; i < a.data.length; i++) both += a.data[i] & b.data[i];
  const total = a.area + b.area;
  return total === 0 ? 1 : (2 * both) / total;
}

// Viridis at five stops, interpolated: dark blue (0) to yellow (1).
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** RGB of the heatmap colour for an 8-bit probability. */
export function heatColour(value) {
  const x = (value / 255) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
}

/** Draws the colour bar (0 at the left, 1 at the right) into `canvas`. */
export function drawColourBar(canvas) {
  const context = canvas.getContext('2d');
  for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = heatColour((x / (canvas.width - 1)) * 255);
    context.fillStyle = `rgb(${r}, ${g}, ${b})`;
    context.fillRect(x, 0, 1, canvas.height);
  }
}

const isEdge = (mask, i) => {
  const { width, height, data } = mask;
  const x = i % width;
  const y = (i - x) / width;
  return x === 0 || y === 0 || x === width - 1 || y === height - 1 || !data[i - 1] || !data[i + 1] || !data[i - width] || !data[i + width];
};

/**
 * The picture for `view` ('overlay' | 'heatmap' | 'contour' | 'mask'): `base` is the image's RGBA
 * pixels at the map's size (or null), `opacity` in [0, 1]. Returns a PNG data URL.
 */
export function renderView({ base, probabilities, mask, view, opacity, tint = [230, 40, 40] }) {
  const { width, height } = probabilities;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const out = context.createImageData(width, height);
  const px = out.data;
  for (let i = 0; i < width * height; i++) {
    const p = 4 * i;
    let r = base ? base[p] : 0;
    let g = base ? base[p + 1] : 0;
    let b = base ? base[p + 2] : 0;
    if (view === 'mask') {
      r = g = b = mask.data[i] ? 255 : 0;
    } else if (view === 'heatmap') {
      const [hr, hg, hb] = heatColour(probabilities.values[i]);
      r += opacity * (hr - r);
      g += opacity * (hg - g);
      b += opacity * (hb - b);
    } else if (mask.data[i]) {
      if (view === 'contour') {
        if (isEdge(mask, i)) [r, g, b] = [255, 220, 0];
      } else {
        r += opacity * (tint[0] - r);
        g += opacity * (tint[1] - g);
        b += opacity * (tint[2] - b);
      }
    }
    px[p] = r;
    px[p + 1] = g;
    px[p + 2] = b;
    px[p + 3] = 255;
  }
  context.putImageData(out, 0, 0);
  return canvas.toDataURL('image/png');
}

/** The image's RGBA pixels scaled to width × height (null when the browser cannot decode it). */
export async function basePixels(source, width, height) {
  try {
    const image = new Image();
    image.src = source;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(image, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  } catch {
    return null;
  }
}
