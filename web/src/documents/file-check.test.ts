import { describe, expect, it } from 'vitest';
import { describeError } from '../errors.ts';
import { acceptAttribute, checkFile, formatBytes, maxUploadBytes, uploadContentType } from './file-check.ts';

describe('the file check before an upload', () => {
  it('a PNG receipt is uploaded as image/png', () => {
    expect(checkFile({ name: 'receipt.png', type: 'image/png', size: 2048 })).toEqual({ ok: true, contentType: 'image/png' });
  });

  it('the browser’s type wins, without parameters and in lower case', () => {
    expect(uploadContentType({ name: 'notes.txt', type: 'Text/Plain; charset=utf-8' })).toBe('text/plain');
    // A browser that says "zip" is believed, whatever the name claims.
    expect(uploadContentType({ name: 'report.pdf', type: 'application/zip' })).toBeUndefined();
  });

  it('a file the browser gave no type is named by its extension', () => {
    expect(uploadContentType({ name: 'Letter.DOCX', type: '' })).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(uploadContentType({ name: 'scan.jpeg', type: '' })).toBe('image/jpeg');
    expect(uploadContentType({ name: 'archive.tar.gz', type: '' })).toBeUndefined();
    expect(uploadContentType({ name: 'no-extension', type: '' })).toBeUndefined();
  });

  it('a type the worker cannot read is refused with a message that says which types it can', () => {
    const check = checkFile({ name: 'photos.zip', type: 'application/zip', size: 10 });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.error.extensions.code).toBe('FILE_TYPE_REFUSED');
    expect(describeError(check.error)).toBe('That type of file cannot be read: choose plain text, PDF, PNG, JPEG or DOCX.');
  });

  it('a file over the limit is refused naming its size and the limit', () => {
    const check = checkFile({ name: 'scan.pdf', type: 'application/pdf', size: maxUploadBytes + 1 });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.error.extensions.code).toBe('FILE_TOO_LARGE');
    expect(describeError(check.error)).toBe('scan.pdf is larger than 25 MB, the most one file may be.');
    expect(checkFile({ name: 'scan.pdf', type: 'application/pdf', size: maxUploadBytes }).ok).toBe(true);
    expect(checkFile({ name: 'a.txt', type: 'text/plain', size: 11 }, 10).ok).toBe(false);
  });

  it('an empty file is refused', () => {
    const check = checkFile({ name: 'empty.txt', type: 'text/plain', size: 0 });
    expect(check.ok ? undefined : describeError(check.error)).toBe('That file is empty: choose another.');
  });

  it('the picker offers every readable type by extension and by type', () => {
    expect(acceptAttribute.split(',')).toEqual(expect.arrayContaining(['.png', 'image/png', '.docx', '.jpg', 'text/plain']));
  });

  it('sizes read in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GB');
  });
});
