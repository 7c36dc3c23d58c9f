import { describe, expect, it } from 'vitest';
import {
  allowedContentTypes,
  assertDeclaredType,
  defaultMaxDocumentBytes,
  displayFilename,
  documentContentType,
  documentSize,
  documentStatusAfter,
  isLaterJobPoint,
  newDocument,
  sniffContentType,
} from './document.ts';

const refusal = (field: string) =>
  expect.objectContaining({ code: 'BAD_USER_INPUT', details: expect.objectContaining({ field }) }) as Error;
const ownerId = '7b0e6a9e-2a53-4b8e-9d1f-3c4d5e6f7a8b';
const ids = (...values: string[]) => {
  const queue = [...values];
  return () => queue.shift() ?? crypto.randomUUID();
};
const now = new Date('2026-11-22T10:00:00.000Z');

describe('document content types', () => {
  it.each(allowedContentTypes.map((t) => [t]))('%s is accepted', (type) => {
    expect(documentContentType(type)).toBe(type);
  });

  it('ignores case and parameters', () => {
    expect(documentContentType(' Text/Plain; charset=UTF-8')).toBe('text/plain');
  });

  it.each([['image/gif'], ['application/zip'], ['text/html'], [''], ['application/pdf-but-not']])(
    '%j is refused as BAD_USER_INPUT',
    (type) => {
      expect(() => documentContentType(type)).toThrowError(refusal('contentType'));
    },
  );
});

describe('display filenames', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['  quarterly report.pdf  ', 'quarterly report.pdf'],
    ['C:\\Users\\ada\\scan.png', 'scan.png'],
    ['../../etc/passwd', 'passwd'],
    ['inv\u0000oice.pdf', 'invoice.pdf'],
    ['line\r\nbreak.txt', 'line break.txt'],
    ['evil\u202Efdp.exe', 'evilfdp.exe'],
    ['tab\tseparated.txt', 'tab separated.txt'],
    ['ünïcödé.txt', 'ünïcödé.txt'],
  ])('%j is shown as %j', (raw, shown) => {
    expect(displayFilename(raw)).toBe(shown);
  });

  it('keeps a name of exactly 255 characters, counting emoji as one', () => {
    const name = `${'😀'.repeat(251)}.txt`;
    expect(displayFilename(name)).toBe(name);
  });

  it.each([[''], ['   '], ['dir/'], ['..'], ['\u0001\u0002'], [`${'a'.repeat(252)}.txt`]])(
    '%j is refused as BAD_USER_INPUT',
    (raw) => {
      expect(() => displayFilename(raw)).toThrowError(refusal('filename'));
    },
  );
});

describe('document sizes', () => {
  it('accepts 1 byte and exactly the limit', () => {
    expect(documentSize(1)).toBe(1);
    expect(documentSize(defaultMaxDocumentBytes)).toBe(25 * 1024 * 1024);
  });

  it.each([[0], [-5], [1.5], [defaultMaxDocumentBytes + 1]])('%d bytes is refused as BAD_USER_INPUT', (size) => {
    expect(() => documentSize(size)).toThrowError(refusal('size'));
  });

  it('honours a smaller configured limit', () => {
    expect(() => documentSize(2_000, 1_000)).toThrowError(
      expect.objectContaining({ details: { field: 'size', maxBytes: 1_000 } }) as Error,
    );
  });
});

describe('a new document', () => {
  it('waits for its upload under a key made of the owner and a fresh uuid', () => {
    const doc = newDocument(
      { ownerId, filename: 'Scan 01.PDF', contentType: 'application/pdf', sizeBytes: 1234 },
      now,
      ids('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'),
    );
    expect(doc).toEqual({
      id: '11111111-1111-4111-8111-111111111111',
      ownerId,
      filename: 'Scan 01.PDF',
      contentType: 'application/pdf',
      sizeBytes: 1234,
      objectKey: `uploads/${ownerId}/22222222-2222-4222-8222-222222222222`,
      fileKey: null,
      fileEtag: null,
      status: 'UPLOADING',
      createdAt: now,
    });
  });

  it('never lets the filename into the object key', () => {
    const doc = newDocument(
      { ownerId, filename: '../../other-user/secret.txt', contentType: 'text/plain', sizeBytes: 10 },
      now,
      ids(),
    );
    expect(doc.objectKey).toMatch(new RegExp(`^uploads/${ownerId}/[0-9a-f-]{36}$`));
    expect(doc.objectKey).not.toContain('secret');
    expect(doc.filename).toBe('secret.txt');
  });

  it('gets a different key each time, even for the same file', () => {
    const input = { ownerId, filename: 'a.txt', contentType: 'text/plain', sizeBytes: 10 };
    expect(newDocument(input, now, ids()).objectKey).not.toBe(newDocument(input, now, ids()).objectKey);
  });

  it.each([
    ['a bad filename', { filename: '' }, 'filename'],
    ['a bad content type', { contentType: 'application/x-msdownload' }, 'contentType'],
    ['a file over the limit', { sizeBytes: defaultMaxDocumentBytes + 1 }, 'size'],
  ])('with %s is refused as BAD_USER_INPUT', (_name, change, field) => {
    const input = { ownerId, filename: 'a.txt', contentType: 'text/plain', sizeBytes: 10, ...change };
    expect(() => newDocument(input, now, ids())).toThrowError(refusal(field));
  });

  it('refuses an id factory that does not produce UUIDs, since ids become key paths', () => {
    expect(() =>
      newDocument({ ownerId, filename: 'a.txt', contentType: 'text/plain', sizeBytes: 1 }, now, () => '../x'),
    ).toThrowError(/UUID/);
  });
});

describe('the real type of a file, from its first bytes', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  const zipWith = (name: string) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from(name)]);
  it.each([
    ['a PDF', Buffer.from('%PDF-1.7\n'), 'application/pdf'],
    ['a PNG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0), 'image/png'],
    ['a JPEG', bytes(0xff, 0xd8, 0xff, 0xe0), 'image/jpeg'],
    ['a DOCX', zipWith('[Content_Types].xml'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['UTF-8 text', Buffer.from('Grüße, 東京 — invoice\n'), 'text/plain'],
    ['a ZIP that is not a Word document', zipWith('photos/cat.jpg'), null],
    ['binary with NUL bytes', bytes(1, 2, 0, 3, 4, 5, 6, 7), null],
    ['Latin-1 text', Buffer.from('Reçu: Café Crème, déjà payé', 'latin1'), 'text/plain'],
    ['control bytes', bytes(1, 2, 3, 4, 5, 6, 7, 8, 0x41), null],
    ['nothing', bytes(), null],
  ])('%s', (_name, head, expected) => {
    expect(sniffContentType(head)).toBe(expected);
  });

  it('a file of another type than declared is refused, naming both', () => {
    expect(() => assertDeclaredType('application/pdf', bytes(0xff, 0xd8, 0xff, 0xe0))).toThrowError(
      /The file is a JPEG image, not a PDF as declared/,
    );
  });
});

describe("the order of a job's life, as a watcher sees it", () => {
  const at = (status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED', attempts: number, progress: number) => ({
    status,
    attempts,
    progress,
  });
  // The life of a job whose first attempt failed half-way and whose second one completed.
  const life = [
    at('PENDING', 0, 0),
    at('RUNNING', 1, 0),
    at('RUNNING', 1, 30),
    at('RUNNING', 2, 0),
    at('RUNNING', 2, 90),
    at('COMPLETED', 2, 100),
  ];

  it('each point comes after every earlier one and before every later one, including a retry back at 0 %', () => {
    for (const [i, from] of life.entries()) {
      for (const [j, to] of life.entries()) expect(isLaterJobPoint(from, to)).toBe(j > i);
    }
  });

  it('a finished job comes after any running point, even of a later attempt (a slow worker finishing first)', () => {
    expect(isLaterJobPoint(at('RUNNING', 3, 90), at('COMPLETED', 2, 100))).toBe(true);
    expect(isLaterJobPoint(at('RUNNING', 3, 90), at('FAILED', 3, 90))).toBe(true);
  });

  it('the document follows its job: PROCESSING while it runs, then PROCESSED or FAILED; a queued job changes nothing', () => {
    expect(documentStatusAfter('RUNNING', 'PROCESSED')).toBe('PROCESSING');
    expect(documentStatusAfter('COMPLETED', 'PROCESSING')).toBe('PROCESSED');
    expect(documentStatusAfter('FAILED', 'PROCESSING')).toBe('FAILED');
    expect(documentStatusAfter('PENDING', 'PROCESSED')).toBe('PROCESSED');
  });
});
