/**
 * One upload, as the page shows it: the file checked, a document created (`createDocumentUpload`),
 * its bytes sent straight to the object store with the presigned PUT, then submitted for text
 * extraction (`submitDocument`).
 *
 *   idle --start--> preparing --created--> uploading --progress*--> --uploaded--> submitting --submitted--> submitted
 *   any step --failed--> failed (keeps the document, if one was created: it can be submitted again)
 *   submitted | failed --reset/start--> idle | preparing
 *
 * Events that arrive out of turn (a late progress event after a failure, a second `created`) change
 * nothing, and progress never goes back: the bar only moves forward.
 */

export type UploadState =
  | { phase: 'idle' }
  | { phase: 'preparing'; filename: string }
  | { phase: 'uploading'; filename: string; documentId: string; loaded: number; total: number }
  | { phase: 'submitting'; filename: string; documentId: string }
  | { phase: 'submitted'; filename: string; documentId: string; jobId: string }
  | {
      phase: 'failed';
      filename?: string;
      documentId?: string;
      failedWhile?: 'preparing' | 'uploading' | 'submitting';
      error: unknown;
    };

export type UploadEvent =
  | { type: 'start'; filename: string }
  | { type: 'created'; documentId: string; total: number }
  | { type: 'progress'; loaded: number; total?: number }
  | { type: 'uploaded' }
  | { type: 'submitted'; jobId: string }
  | { type: 'failed'; error: unknown }
  | { type: 'reset' };

export const idleUpload: UploadState = { phase: 'idle' };

const busy = (state: UploadState) => state.phase === 'preparing' || state.phase === 'uploading' || state.phase === 'submitting';

/** The next state of an upload after `event`. */
export function uploadReducer(state: UploadState, event: UploadEvent): UploadState {
  switch (event.type) {
    case 'start':
      // One upload at a time: the form is disabled meanwhile, so a second start is a double click.
      return busy(state) ? state : { phase: 'preparing', filename: event.filename };
    case 'created':
      if (state.phase !== 'preparing') return state;
      return { phase: 'uploading', filename: state.filename, documentId: event.documentId, loaded: 0, total: event.total };
    case 'progress': {
      if (state.phase !== 'uploading') return state;
      const total = event.total && event.total > 0 ? event.total : state.total;
      const loaded = Math.min(Math.max(state.loaded, event.loaded), total);
      return loaded === state.loaded && total === state.total ? state : { ...state, loaded, total };
    }
    case 'uploaded':
      if (state.phase !== 'uploading') return state;
      return { phase: 'submitting', filename: state.filename, documentId: state.documentId };
    case 'submitted':
      if (state.phase !== 'submitting') return state;
      return { phase: 'submitted', filename: state.filename, documentId: state.documentId, jobId: event.jobId };
    case 'failed':
      if (!busy(state)) return state;
      return {
        phase: 'failed',
        filename: state.filename,
        documentId: 'documentId' in state ? state.documentId : undefined,
        failedWhile: state.phase,
        error: event.error,
      };
    case 'reset':
      return busy(state) ? state : idleUpload;
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected upload event ${JSON.stringify(value)}`);
}

/** The upload bar's value, 0..100; undefined when no bytes are moving (nothing to show, or an indeterminate step). */
export function uploadPercent(state: UploadState): number | undefined {
  if (state.phase === 'uploading') return state.total > 0 ? Math.floor((state.loaded / state.total) * 100) : 0;
  if (state.phase === 'submitting' || state.phase === 'submitted') return 100;
  return undefined;
}

/** What the page says about the upload, for a live region. */
export function uploadStatusText(state: UploadState): string {
  switch (state.phase) {
    case 'idle':
      return '';
    case 'preparing':
      return `Preparing ${state.filename}…`;
    case 'uploading':
      return `Uploading ${state.filename}: ${uploadPercent(state)}%`;
    case 'submitting':
      return `Uploaded ${state.filename}; starting text extraction…`;
    case 'submitted':
      return `${state.filename} uploaded: its text extraction is followed under My documents.`;
    case 'failed':
      if (!state.filename) return 'The upload failed.';
      // Submitting checks the stored file: it arrived, but is not what was declared.
      return state.failedWhile === 'submitting'
        ? `${state.filename} was uploaded but not accepted.`
        : `${state.filename} was not uploaded.`;
    default:
      return assertNever(state);
  }
}
