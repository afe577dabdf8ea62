// Plain pixel containers shared by data/ and prompts/: row-major, 8 bits per channel.

/** One 8-bit channel, row-major: `data[y * width + x]`. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Three interleaved 8-bit channels R, G, B, row-major: `data[3 * (y * width + x) + c]`. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createGrayImage(width: number, height: number): GrayImage {
  return { width, height, data: new Uint8Array(width * height) };
}

export function createRgbImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}
