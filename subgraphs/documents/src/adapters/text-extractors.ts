/**
 * Text out of files: plain text (charset detected), the text layer of PDFs (unpdf), DOCX (mammoth),
 * images by OCR (tesseract.js with the English model shipped by @tesseract.js-data/eng: no network).
 * A file that cannot be read throws {@link PermanentJobFailure} with a reason a person can act on;
 * limits keep a hostile file from exhausting the worker.
 */
import eng from '@tesseract.js-data/eng';
import chardet from 'chardet';
import JSZip from 'jszip';
import { createWorker, type Worker as OcrWorker } from 'tesseract.js';
import mammoth from 'mammoth';
import { extractText as pdfText, getDocumentProxy } from 'unpdf';
import { PermanentJobFailure, type Extracted, type TextExtractor } from '../ports.ts';
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

/** How many bytes one entry of the archive inflates to, counted on top of `total`; stops past `maxBytes`. */
function countInflated(entry: JSZip.JSZipObject, total: number, maxBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = entry.nodeStream('nodebuffer');
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) return;
      // Stop reading: the inflater behind the stream pauses once its small buffer is full.
      stream.removeAllListeners('data');
      stream.pause();
      const mb = Math.round(maxBytes / 1024 / 1024);
      reject(new PermanentJobFailure(`The Word document inflates to more than ${mb} MB; at most ${mb} MB can be read`));
    });
    stream.on('end', () => resolve(total));
    stream.on('error', () => reject(damagedDocx()));
  });
}

/**
 * Refuses a DOCX whose entries inflate to more than `maxBytes` in all, by inflating them with a
 * running count and keeping none of it: memory stays at the inflater's buffers whatever the archive
 * declares. The archive is read by JSZip, the parser mammoth itself uses, so the entries counted are
 * the ones mammoth would inflate, however the archive's directories lie (shifted offsets, a wrong
 * entry count, sizes); every entry counts, also the ones mammoth would not read.
 */
export async function assertDocxInflatesWithin(bytes: Buffer, maxBytes: number): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch {
    throw damagedDocx();
  }
  let total = 0;
  for (const entry of Object.values(zip.files)) {
    if (!entry.dir) total = await countInflated(entry, total, maxBytes);
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
async function stopOcr(): Promise<void> {
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
async function extractText(type: AllowedContentType, bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
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

/**
 * The worker's text extraction within `limits`. The OCR engine is one per process, whatever the number
 * of extractors: stopping one stops it, and the next image starts it again.
 */
export function createTextExtractor(limits: ExtractionLimits = defaultExtractionLimits): TextExtractor {
  return { extract: (type, bytes) => extractText(type, bytes, limits), stop: stopOcr };
}
