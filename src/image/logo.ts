/**
 * The marketplace logo, drawn by code so the PNG in packaging/ is ours and reproducible: a rounded
 * square in two blues with a chevron prompt (`>`) and a cursor bar — a coding assistant's terminal.
 * Encoded as an 8-bit RGBA PNG with node:zlib; `slm-copilot image marketplace` writes it.
 */
import { crc32, deflateSync } from 'node:zlib';

export const LOGO_FILE = 'slm-copilot.png';
export const LOGO_SIZE = 256;

type Rgba = readonly [number, number, number, number];

const TOP: Rgba = [0x1d, 0x4e, 0xd8, 0xff];
const BOTTOM: Rgba = [0x0b, 0x25, 0x6b, 0xff];
const INK: Rgba = [0xff, 0xff, 0xff, 0xff];
const CLEAR: Rgba = [0, 0, 0, 0];

/** Coverage (0..1) of pixel (x, y) by the shape, sampled 4×4 for smooth edges. */
function coverage(x: number, y: number, inside: (px: number, py: number) => boolean): number {
  let hits = 0;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (inside(x + (i + 0.5) / 4, y + (j + 0.5) / 4)) hits++;
  return hits / 16;
}

function roundedSquare(px: number, py: number): boolean {
  const r = 48;
  const [lo, hi] = [8, LOGO_SIZE - 8];
  const cx = Math.min(Math.max(px, lo + r), hi - r);
  const cy = Math.min(Math.max(py, lo + r), hi - r);
  return px >= lo && px <= hi && py >= lo && py <= hi && (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
}

/** Distance from a point to a segment. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function glyphs(px: number, py: number): boolean {
  const stroke = 14;
  const chevron = segmentDistance(px, py, 72, 84, 124, 128) <= stroke || segmentDistance(px, py, 124, 128, 72, 172) <= stroke;
  const cursor = px >= 140 && px <= 196 && py >= 158 && py <= 182;
  return chevron || cursor;
}

function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return [0, 1, 2, 3].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as unknown as Rgba;
}

export function renderLogoRgba(): Buffer {
  const pixels = Buffer.alloc(LOGO_SIZE * LOGO_SIZE * 4);
  for (let y = 0; y < LOGO_SIZE; y++) {
    for (let x = 0; x < LOGO_SIZE; x++) {
      const background = mix(TOP, BOTTOM, y / (LOGO_SIZE - 1));
      const filled = mix(background, INK, coverage(x, y, glyphs));
      const square = coverage(x, y, roundedSquare);
      // Straight alpha: the square's edge fades out, its colour stays.
      const pixel: Rgba = square === 0 ? CLEAR : [filled[0], filled[1], filled[2], Math.round(255 * square)];
      Buffer.from(pixel).copy(pixels, (y * LOGO_SIZE + x) * 4);
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

export function encodePng(rgba: Buffer, width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method variants, no interlace
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function renderLogoPng(): Buffer {
  return encodePng(renderLogoRgba(), LOGO_SIZE, LOGO_SIZE);
}
