// Builders for the hostile inputs of the regression corpus, generated at test time: a small PNG
// that declares a huge image, a BMP, an SVG, a FIFO; and a guard that turns a hang into a failure.
import { execFileSync } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { deflateRawSync, constants as zlib } from 'node:zlib';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid 8-bit grey PNG of `width` × `height` black pixels, a few hundred KiB even at
 * 16,000 × 16,000: its zlib stream repeats one sync-flushed block of zero rows (deflate blocks
 * concatenate at byte boundaries), then an empty final block and the Adler-32 of the zeros.
 */
export function blackPngDeclaring(width: number, height: number): Buffer {
  const rowBytes = width + 1;
  const rowsPerBlock = Math.max(1, Math.min(height, Math.floor((16 << 20) / rowBytes)));
  const block = deflateRawSync(Buffer.alloc(rowBytes * rowsPerBlock), { level: 1, finishFlush: zlib.Z_SYNC_FLUSH });
  const parts: Buffer[] = [Buffer.from([0x78, 0x01])];
  let rows = 0;
  for (; rows + rowsPerBlock <= height; rows += rowsPerBlock) parts.push(block);
  if (rows < height) parts.push(deflateRawSync(Buffer.alloc(rowBytes * (height - rows)), { level: 1, finishFlush: zlib.Z_SYNC_FLUSH }));
  parts.push(Buffer.from([0x03, 0x00]));
  // Adler-32 of n zero bytes: a = 1, b = n mod 65521.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((rowBytes * height) % 65521) * 65536 + 1) >>> 0, 0);
  parts.push(adler);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]);
}

/** A 2 × 2 24-bit BMP (BITMAPINFOHEADER, bottom-up rows padded to 4 bytes). */
export function tinyBmp(): Buffer {
  const pixels = Buffer.from([0, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0]);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(pixels.length, 34);
  return Buffer.concat([header, pixels]);
}

/** An SVG that libvips would render; vlsm reads no SVG. */
export const TINY_SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>');

/** Creates a FIFO (named pipe) at `path`. */
export function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** Unblocks a reader stuck opening or reading the FIFO at `path` (it sees end of file). */
export function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is reading it, nothing to release.
  }
}

/** Settles with `work`, or rejects after `ms` (a hang becomes a test failure, not a stuck suite). */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
