import { describe, expect, it } from 'vitest';
import { describeError } from '../errors.ts';
import {
  idleUpload,
  uploadPercent,
  uploadReducer,
  uploadStatusText,
  type UploadEvent,
  type UploadState,
} from './upload-state.ts';

const run = (events: UploadEvent[], from: UploadState = idleUpload) => events.reduce(uploadReducer, from);
const documentId = '0b1c2d3e-0000-4000-8000-000000000001';

describe('an upload as the page shows it', () => {
  it('goes from the file to the object store to a submitted job, the bar filling on the way', () => {
    const start = run([{ type: 'start', filename: 'receipt.png' }]);
    expect(start).toEqual({ phase: 'preparing', filename: 'receipt.png' });
    expect(uploadPercent(start)).toBeUndefined();

    const created = uploadReducer(start, { type: 'created', documentId, total: 2000 });
    expect(uploadPercent(created)).toBe(0);
    const half = uploadReducer(created, { type: 'progress', loaded: 1000, total: 2000 });
    expect(uploadPercent(half)).toBe(50);
    expect(uploadStatusText(half)).toBe('Uploading receipt.png: 50%');

    const done = run([{ type: 'progress', loaded: 2000 }, { type: 'uploaded' }, { type: 'submitted', jobId: 'job-1' }], half);
    expect(done).toEqual({ phase: 'submitted', filename: 'receipt.png', documentId, jobId: 'job-1' });
    expect(uploadPercent(done)).toBe(100);
  });

  it('the bar never goes back nor past the end', () => {
    const at = run([
      { type: 'start', filename: 'a.pdf' },
      { type: 'created', documentId, total: 100 },
      { type: 'progress', loaded: 60 },
    ]);
    expect(uploadPercent(uploadReducer(at, { type: 'progress', loaded: 30 }))).toBe(60);
    expect(uploadPercent(uploadReducer(at, { type: 'progress', loaded: 500 }))).toBe(100);
    // Nothing changed: the same state, so React renders nothing again.
    expect(uploadReducer(at, { type: 'progress', loaded: 60 })).toBe(at);
  });

  it('a failure after the document exists keeps it, to submit again, and says what to do', () => {
    const failed = run([
      { type: 'start', filename: 'receipt.png' },
      { type: 'created', documentId, total: 10 },
      { type: 'failed', error: { message: 'The storage answered 403', extensions: { code: 'UPLOAD_FAILED', status: 403 } } },
    ]);
    expect(failed).toMatchObject({ phase: 'failed', filename: 'receipt.png', documentId, failedWhile: 'uploading' });
    expect(uploadPercent(failed)).toBeUndefined();
    if (failed.phase !== 'failed') return;
    expect(describeError(failed.error)).toBe('The file did not reach the storage: try the upload again.');
    expect(uploadStatusText(failed)).toBe('receipt.png was not uploaded.');
  });

  it('a file refused at submit (not the type it claims) was uploaded but not accepted', () => {
    const refused = run([
      { type: 'start', filename: 'fake.png' },
      { type: 'created', documentId, total: 10 },
      { type: 'progress', loaded: 10 },
      { type: 'uploaded' },
      { type: 'failed', error: { errors: [{ message: 'The file is not a PNG image', extensions: { code: 'BAD_USER_INPUT' } }] } },
    ]);
    expect(refused).toMatchObject({ phase: 'failed', documentId, failedWhile: 'submitting' });
    expect(uploadStatusText(refused)).toBe('fake.png was uploaded but not accepted.');
    if (refused.phase === 'failed') expect(describeError(refused.error)).toBe('The file is not a PNG image.');
  });

  it('a refusal before any document exists (quota, rate limit) keeps no document', () => {
    const failed = run([
      { type: 'start', filename: 'receipt.png' },
      {
        type: 'failed',
        error: { errors: [{ message: 'Rate limited', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 30 } }] },
      },
    ]);
    expect(failed).toMatchObject({ phase: 'failed', documentId: undefined });
    if (failed.phase === 'failed') expect(describeError(failed.error)).toBe('Too many attempts: try again in 30 seconds.');
  });

  it('events out of turn change nothing: a late progress after a failure, a double start, a reset mid-upload', () => {
    const uploading = run([
      { type: 'start', filename: 'a.txt' },
      { type: 'created', documentId, total: 10 },
    ]);
    expect(uploadReducer(uploading, { type: 'start', filename: 'b.txt' })).toBe(uploading);
    expect(uploadReducer(uploading, { type: 'reset' })).toBe(uploading);
    expect(uploadReducer(uploading, { type: 'submitted', jobId: 'x' })).toBe(uploading);

    const failed = uploadReducer(uploading, { type: 'failed', error: {} });
    expect(uploadReducer(failed, { type: 'progress', loaded: 5 })).toBe(failed);
    expect(uploadReducer(failed, { type: 'uploaded' })).toBe(failed);
    expect(uploadReducer(failed, { type: 'failed', error: 'again' })).toBe(failed);
    expect(uploadReducer(idleUpload, { type: 'created', documentId, total: 1 })).toBe(idleUpload);

    expect(uploadReducer(failed, { type: 'reset' })).toEqual(idleUpload);
    expect(uploadReducer(failed, { type: 'start', filename: 'c.txt' })).toEqual({ phase: 'preparing', filename: 'c.txt' });
  });
});
