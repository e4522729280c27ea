import sharp from 'sharp';

/**
 * A reporter's screenshot, made safe to keep: the type is read from the bytes (not the file name or the
 * browser's claim), the image is decoded and encoded again by libvips (sharp), which writes no metadata
 * unless asked: EXIF (GPS position, camera, time), XMP, IPTC and ICC profiles are gone, as is anything
 * hidden after the image data. Orientation is applied to the pixels first, so the picture still stands up.
 */

export const SCREENSHOT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type ScreenshotType = (typeof SCREENSHOT_TYPES)[number];

/** The image type of the bytes, from their signature; null: not an image type we accept. */
export function sniffImageType(b: Uint8Array): ScreenshotType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'image/png';
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && /^GIF8[79]a$/.test(String.fromCharCode(...b.subarray(0, 6)))) return 'image/gif';
  return null;
}

export type ScreenshotOutcome = { ok: true; body: Buffer; type: ScreenshotType } | { ok: false; problem: 'type' | 'size' };

/** Checks and re-encodes a screenshot (at most maxBytes, at most 50 megapixels); a GIF becomes a PNG of its first frame. */
export async function cleanScreenshot(bytes: Uint8Array, maxBytes: number): Promise<ScreenshotOutcome> {
  if (bytes.length > maxBytes) return { ok: false, problem: 'size' };
  const type = sniffImageType(bytes);
  if (!type) return { ok: false, problem: 'type' };
  try {
    const image = sharp(bytes, { limitInputPixels: 50_000_000, failOn: 'error', animated: false }).rotate();
    if (type === 'image/jpeg') return { ok: true, type, body: await image.jpeg({ quality: 85 }).toBuffer() };
    if (type === 'image/webp') return { ok: true, type, body: await image.webp({ quality: 85 }).toBuffer() };
    return { ok: true, type: 'image/png', body: await image.png().toBuffer() };
  } catch {
    // Not decodable as what its signature says (truncated, a polyglot, too many pixels).
    return { ok: false, problem: 'type' };
  }
}
