/**
 * Text out of files: plain text (charset detected), the text layer of PDFs (unpdf), DOCX (mammoth),
 * images by OCR (tesseract.js with the English model shipped by @tesseract.js-data/eng: no network).
 * A file that cannot be read throws {@link PermanentJobFailure} with a reason a person can act on;
 * limits keep a hostile file from exhausting the worker.
 */
import eng from '@tesseract.js-data/eng';
import { createInflateRaw } from 'node:zlib';
import chardet from 'chardet';
import { createWorker, type Worker as OcrWorker } from 'tesseract.js';
import mammoth from 'mammoth';
import { extractText as pdfText, getDocumentProxy } from 'unpdf';
import { PermanentJobFailure } from '#kit';
import type { AllowedContentType } from '../domain/document.ts';

export interface ExtractionLimits {
  /** PDFs with more pages are refused. */
  maxPages: number;
  /** Extracted text beyond this many characters is refused (a DOCX that inflates to gigabytes). */
  maxTextChars: number;
  /** Images with more pixels are refused before decoding (a tiny PNG can declare a huge canvas). */
  maxPixels: number;
  /**
   * A DOCX whose parts inflate to more bytes in all is refused (a zip bomb). Counted while inflating,
   * whatever the archive declares; the parser then reads at most this much.
   */
  maxInflatedBytes: number;
}

export const defaultExtractionLimits: ExtractionLimits = {
  maxPages: 500,
  maxTextChars: 5_000_000,
  maxPixels: 40_000_000,
  // Word's XML for 5 million characters of heavily formatted text stays well below this.
  maxInflatedBytes: 100 * 1024 * 1024,
};

export interface Extracted {
  text: string;
  pageCount: number | null;
}

function boundedText(text: string, limits: ExtractionLimits): string {
  if (text.length > limits.maxTextChars) {
    throw new PermanentJobFailure(`The document holds more than ${limits.maxTextChars} characters of text`);
  }
  return text;
}

async function plainText(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  const detected = chardet.detect(bytes) ?? 'UTF-8';
  let text: string;
  try {
    text = new TextDecoder(detected.toLowerCase()).decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes); // an encoding the runtime does not know
  }
  return { text: boundedText(text, limits), pageCount: null };
}

async function pdf(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    throw new PermanentJobFailure(`The PDF cannot be read (${(error as Error).message.replace(/\.$/, '')}); it may be damaged`);
  }
  if (document.numPages > limits.maxPages) {
    throw new PermanentJobFailure(`The PDF has ${document.numPages} pages; at most ${limits.maxPages} can be processed`);
  }
  const { text, totalPages } = await pdfText(document, { mergePages: true });
  return { text: boundedText(text, limits), pageCount: totalPages };
}

const damagedDocx = () => new PermanentJobFailure('The Word document cannot be read; it may be damaged');

/**
 * Where each entry's data starts in a ZIP, and how it is stored, from the central directory and each
 * entry's local header — the same places the DOCX parser (JSZip) reads. Sizes are not taken from
 * either: they can lie. Throws {@link PermanentJobFailure} when the archive's structure is broken.
 */
function zipEntries(bytes: Buffer): { method: number; dataStart: number; storedSize: number }[] {
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  for (let end = bytes.length - 22; end >= Math.max(0, bytes.length - 22 - 65_535); end -= 1) {
    if (bytes.readUInt32LE(end) !== 0x06054b50) continue;
    const entries: { method: number; dataStart: number; storedSize: number }[] = [];
    let at = bytes.readUInt32LE(end + 16);
    for (let i = 0; i < bytes.readUInt16LE(end + 10); i += 1) {
      if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) throw damagedDocx();
      const local = bytes.readUInt32LE(at + 42);
      if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) throw damagedDocx();
      entries.push({
        method: bytes.readUInt16LE(at + 10),
        dataStart: local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28),
        storedSize: bytes.readUInt32LE(at + 20),
      });
      at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    return entries;
  }
  throw damagedDocx();
}

/**
 * Inflates a raw deflate stream, counting its output and keeping none of it: the count, or the first
 * count past `budget` (inflating stops there). The stream ends itself, so the bytes after it are ignored.
 */
function inflatedLength(data: Buffer, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
    let length = 0;
    inflater.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > budget) {
        inflater.destroy();
        resolve(length);
      }
    });
    inflater.on('end', () => resolve(length));
    inflater.on('error', () => reject(damagedDocx()));
    inflater.end(data);
  });
}

/**
 * Refuses a DOCX whose entries inflate to more than `maxBytes` in all, by inflating them with a running
 * cap: memory stays at zlib's buffers whatever the archive declares. An entry is inflated from where
 * its data starts to the end of the file — at least what the parser inflates from there — and entries
 * that share their data (overlapping entries, another kind of bomb) count once each.
 */
export async function assertDocxInflatesWithin(bytes: Buffer, maxBytes: number): Promise<void> {
  let total = 0;
  for (const entry of zipEntries(bytes)) {
    if (entry.dataStart > bytes.length) throw damagedDocx();
    const budget = maxBytes - total;
    if (entry.method === 0) total += Math.min(entry.storedSize, bytes.length - entry.dataStart);
    else if (entry.method === 8) total += await inflatedLength(bytes.subarray(entry.dataStart), budget);
    else throw damagedDocx(); // a compression Word does not use, nor the parser read
    if (total > maxBytes) {
      const mb = Math.round(maxBytes / 1024 / 1024);
      throw new PermanentJobFailure(`The Word document inflates to more than ${mb} MB; at most ${mb} MB can be read`);
    }
  }
}

async function docx(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  await assertDocxInflatesWithin(bytes, limits.maxInflatedBytes);
  try {
    const { value } = await mammoth.extractRawText({ buffer: bytes });
    return { text: boundedText(value.trim(), limits), pageCount: null };
  } catch (error) {
    if (error instanceof PermanentJobFailure) throw error;
    throw damagedDocx();
  }
}

/** Width and height an image declares in its header (PNG IHDR, JPEG start-of-frame), or null. */
export function imageSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length >= 24 && bytes.readUInt32BE(12) === 0x49484452)
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return null;
}

// One OCR engine per process, started on first use (~0.7 s) and reused: recognising a page then costs
// a few hundred milliseconds.
let ocr: Promise<OcrWorker> | null = null;
const ocrWorker = () =>
  (ocr ??= createWorker('eng', 1, {
    langPath: eng.langPath,
    gzip: true,
    cacheMethod: 'none',
    logger: () => undefined,
    // Failures reach the caller as rejected promises; without this the engine also throws them unhandled.
    errorHandler: () => undefined,
  }));

/** Stops the OCR engine (process shutdown, or after a job it was stuck on). */
export async function stopOcr(): Promise<void> {
  const running = ocr;
  ocr = null;
  await (await running?.catch(() => null))?.terminate();
}

async function image(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  const size = imageSize(bytes);
  if (!size) throw new PermanentJobFailure('The image cannot be read; it may be damaged');
  if (size.width * size.height > limits.maxPixels) {
    throw new PermanentJobFailure(`The image has ${size.width}×${size.height} pixels; at most ${limits.maxPixels} can be read`);
  }
  try {
    const { data } = await (await ocrWorker()).recognize(bytes);
    return { text: boundedText(data.text.trim(), limits), pageCount: 1 };
  } catch (error) {
    if (error instanceof PermanentJobFailure) throw error;
    throw new PermanentJobFailure(`Text recognition failed on this image (${String(error).slice(0, 120)})`);
  }
}

/** The text of a file of type `type`. */
export async function extractText(type: AllowedContentType, bytes: Buffer, limits = defaultExtractionLimits): Promise<Extracted> {
  switch (type) {
    case 'text/plain':
      return plainText(bytes, limits);
    case 'application/pdf':
      return pdf(bytes, limits);
    case 'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
      return docx(bytes, limits);
    case 'image/png':
    case 'image/jpeg':
      return image(bytes, limits);
  }
}
