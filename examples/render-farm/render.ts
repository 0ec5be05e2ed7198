/**
 * The rendering of the render farm: each frame is a tile of a Mandelbrot fractal, written as a
 * PNG by a minimal encoder (node:zlib for the compression, nothing else). The output is
 * deterministic: the same job and frame give the same bytes, so a checker that renders the
 * frame again knows its sha256.
 *
 * A job is `{service, frames, width, height, iterations}`: its frames are the tiles of a grid
 * (`cols` = ceil(sqrt(frames)) columns) over a view of the set chosen by the service's name.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface Job {
  service: string;
  frames: number;
  width: number;
  height: number;
  iterations: number;
}

/** Views with detail in them; a service takes one by the hash of its name. */
const VIEWS: [number, number, number][] = [
  [-0.743643887037151, 0.13182590420533, 0.02],
  [-0.7453, 0.1127, 0.012],
  [-0.16, 1.0405, 0.05],
  [-1.25066, 0.02012, 0.02],
  [-0.748, 0.1, 0.03],
  [0.285, 0.01, 0.04],
];

function viewOf(service: string): [number, number, number] {
  let h = 0;
  for (const c of Buffer.from(service)) h = (h * 31 + c) >>> 0;
  return VIEWS[h % VIEWS.length]!;
}

// --- PNG ---------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGB PNG of `rgb` (width × height × 3 bytes, rows top to bottom). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- Mandelbrot ----------------------------------------------------------------------------

/**
 * Renders a frame row by row; yields after each row so that a caller can give the event loop
 * a turn (a peer must keep heartbeating while it renders). Returns the PNG.
 */
export function* renderRows(job: Job, frame: number): Generator<number, Buffer> {
  const { width, height, iterations } = job;
  const cols = Math.ceil(Math.sqrt(job.frames));
  const rows = Math.ceil(job.frames / cols);
  const [cx, cy, span] = viewOf(job.service);
  const tileW = span / cols;
  const tileH = (span * rows) / cols / rows;
  const x0 = cx - span / 2 + (frame % cols) * tileW;
  const y0 = cy - (span * rows) / cols / 2 + Math.floor(frame / cols) * tileH;
  const rgb = new Uint8Array(width * height * 3);
  for (let py = 0; py < height; py++) {
    const ci = y0 + (py / height) * tileH;
    for (let px = 0; px < width; px++) {
      const cr = x0 + (px / width) * tileW;
      let zr = 0;
      let zi = 0;
      let n = 0;
      while (n < iterations && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        n++;
      }
      const o = (py * width + px) * 3;
      if (n < iterations) {
        rgb[o] = (n * 7) & 0xff;
        rgb[o + 1] = (n * 3 + 40) & 0xff;
        rgb[o + 2] = (255 - n * 5) & 0xff;
      }
    }
    yield py;
  }
  return encodePng(width, height, rgb);
}

/** Renders a frame at once (the checker). */
export function renderFrame(job: Job, frame: number): Buffer {
  const g = renderRows(job, frame);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
