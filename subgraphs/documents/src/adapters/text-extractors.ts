/**
 * Text out of files: plain text (charset detected), the text layer of PDFs (unpdf), DOCX (mammoth),
 * images by OCR (tesseract.js with the English model shipped by @tesseract.js-data/eng: no network).
 * A file that cannot be read throws {@link PermanentJobFailure} with a reason a person can act on;
 * limits keep a hostile file from exhausting the worker.
 */
import eng from '@tesseract.js-data/eng';
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
  /** A DOCX whose parts declare more bytes once inflated is refused before inflating (a zip bomb). */
  maxInflatedBytes?: number;
}

export const defaultExtractionLimits: ExtractionLimits = { maxPages: 500, maxTextChars: 5_000_000, maxPixels: 40_000_000 };

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

/**
 * The total size a ZIP's entries declare once inflated, from its central directory; null when the
 * archive's end record cannot be found.
 */
export function zipInflatedSize(bytes: Buffer): number | null {
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  for (let end = bytes.length - 22; end >= Math.max(0, bytes.length - 22 - 65_535); end -= 1) {
    if (bytes.readUInt32LE(end) !== 0x06054b50) continue;
    const entries = bytes.readUInt16LE(end + 10);
    let at = bytes.readUInt32LE(end + 16);
    let total = 0;
    for (let i = 0; i < entries; i += 1) {
      if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return null;
      total += bytes.readUInt32LE(at + 24);
      at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    return total;
  }
  return null;
}

async function docx(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  const inflated = zipInflatedSize(bytes);
  const maxInflated = limits.maxInflatedBytes ?? 200 * 1024 * 1024;
  if (inflated === null) throw new PermanentJobFailure('The Word document cannot be read; it may be damaged');
  if (inflated > maxInflated) {
    throw new PermanentJobFailure(
      `The Word document inflates to ${Math.round(inflated / 1024 / 1024)} MB; at most ${Math.round(maxInflated / 1024 / 1024)} MB can be read`,
    );
  }
  try {
    const { value } = await mammoth.extractRawText({ buffer: bytes });
    return { text: boundedText(value.trim(), limits), pageCount: null };
  } catch (error) {
    if (error instanceof PermanentJobFailure) throw error;
    throw new PermanentJobFailure('The Word document cannot be read; it may be damaged');
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
