/**
 * Text out of files: plain text (charset detected), the text layer of PDFs (unpdf), DOCX (mammoth).
 * A file that cannot be read throws {@link PermanentJobFailure} with a reason a person can act on;
 * limits keep a hostile file from exhausting the worker.
 */
import chardet from 'chardet';
import mammoth from 'mammoth';
import { extractText as pdfText, getDocumentProxy } from 'unpdf';
import { PermanentJobFailure } from '#kit';
import type { AllowedContentType } from '../domain/document.ts';

export interface ExtractionLimits {
  /** PDFs with more pages are refused. */
  maxPages: number;
  /** Extracted text beyond this many characters is refused (a DOCX that inflates to gigabytes). */
  maxTextChars: number;
}

export const defaultExtractionLimits: ExtractionLimits = { maxPages: 500, maxTextChars: 5_000_000 };

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

async function docx(bytes: Buffer, limits: ExtractionLimits): Promise<Extracted> {
  try {
    const { value } = await mammoth.extractRawText({ buffer: bytes });
    return { text: boundedText(value.trim(), limits), pageCount: null };
  } catch (error) {
    if (error instanceof PermanentJobFailure) throw error;
    throw new PermanentJobFailure('The Word document cannot be read; it may be damaged');
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
      throw new PermanentJobFailure('Text recognition in images is not available yet');
  }
}
