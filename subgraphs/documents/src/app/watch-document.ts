/**
 * Live documents. Each `document.job.updated` (and `document.deleted`) event reaches one replica
 * through the bus group `documents-live`, which publishes it on the pub/sub channels of the job and
 * of its document; pub/sub hands it to every replica, so a watcher is served wherever it connected.
 */
import { canSee, requireViewer, type Viewer } from '#kit/auth';
import { badInput, forbidden, notFound } from '#kit/errors';
import type { DomainEvent } from '#kit/events';
import { mapAsyncIterable } from '#kit/graphql-ws-server';
import { isUuid } from '#kit/ids';
import { liveFeed } from '#kit/live-feed';
import type { PubSub } from '#kit/pubsub';
import { z } from 'zod';
import type { DocumentStore } from '../ports.ts';
import {
  documentStatusAfter,
  isJobFinished,
  isLaterJobPoint,
  jobStatuses,
  type Document,
  type DocumentJob,
  type JobPoint,
} from '../domain/document.ts';

/** The bus topics the live documents follow, and the consumer group that hands them to pub/sub. */
export const liveDocumentTopics = { jobUpdated: 'document.job.updated', deleted: 'document.deleted' } as const;
export const liveDocumentsGroup = 'documents-live';

export const jobChannel = (jobId: string) => `document-job:${jobId.toLowerCase()}`;
export const documentChannel = (documentId: string) => `document:${documentId.toLowerCase()}`;

/** The part of `document.job.updated` a watcher reads; `attempts` is missing from events written before it was added. */
const jobUpdate = z.object({
  jobId: z.string().uuid(),
  documentId: z.string().uuid(),
  status: z.enum(jobStatuses),
  progress: z.number().int(),
  attempts: z.number().int().optional(),
  failureReason: z.string().nullable(),
});
const documentDeleted = z.object({ documentId: z.string().uuid(), jobIds: z.array(z.string().uuid()) });
/** What the channels of a deleted document and of its jobs receive: nothing more will come. */
const goneMessage = { deleted: true };
const gone = z.object({ deleted: z.literal(true) });

type Deps = { documents: DocumentStore; pubsub: PubSub };

/** Publishes a job's move on the job's channel and its document's; a malformed event throws (retried, then dead-lettered). */
export async function publishJobUpdate(pubsub: PubSub, event: DomainEvent): Promise<void> {
  const update = jobUpdate.parse(event.payload);
  await Promise.all([
    pubsub.publish(jobChannel(update.jobId), event.payload),
    pubsub.publish(documentChannel(update.documentId), event.payload),
  ]);
}

/** Tells the watchers of a deleted document and of its jobs that it is gone. */
export async function publishDocumentDeleted(pubsub: PubSub, event: DomainEvent): Promise<void> {
  const { documentId, jobIds } = documentDeleted.parse(event.payload);
  const channels = [documentChannel(documentId), ...jobIds.map(jobChannel)];
  await Promise.all(channels.map((channel) => pubsub.publish(channel, goneMessage)));
}

/** The document when the viewer may watch it: UNAUTHENTICATED, NOT_FOUND or FORBIDDEN otherwise. */
async function watchableDocument(deps: Deps, viewer: Viewer | null, id: string, what: string): Promise<Document> {
  const [document] = await deps.documents.byIds([id]);
  if (!document) throw notFound(what);
  if (!canSee(requireViewer(viewer), document.ownerId)) {
    throw forbidden('Only the owner of a document (or an admin) may watch it and its jobs');
  }
  return document;
}

/**
 * Job `jobId` as it runs: first as it is now, then each move — RUNNING with its progress (a retry
 * starts again from 0 with one more attempt), then COMPLETED (with its text) or FAILED (with the
 * reason) — after which the feed completes; it also completes when the document is deleted. A move
 * the job has already made is skipped, so it never goes backwards. UNAUTHENTICATED when anonymous,
 * BAD_USER_INPUT for an id that is not a UUID, NOT_FOUND for no such job, FORBIDDEN for someone else's.
 */
export async function watchDocumentJob(deps: Deps, viewer: Viewer | null, jobId: string) {
  requireViewer(viewer);
  if (!isUuid(jobId)) throw badInput('The job id is not valid', { field: 'jobId' });
  const feed = await liveFeed<DocumentJob>(deps.pubsub, jobChannel(jobId), async () => {
    const [job] = await deps.documents.jobsByIds([jobId]);
    if (!job) throw notFound('The job');
    await watchableDocument(deps, viewer, job.documentId, 'The job');
    return {
      current: job,
      next(state, message) {
        if (gone.safeParse(message).success) return 'end';
        const update = jobUpdate.safeParse(message);
        if (!update.success) return 'skip';
        const { status, progress, attempts, failureReason } = update.data;
        const moved = { ...state, status, progress, attempts: attempts ?? state.attempts, failureReason };
        return isLaterJobPoint(state, moved) ? moved : 'skip';
      },
      isLast: (state) => isJobFinished(state.status),
    };
  });
  // The event carries no text, page count or end time: a job that finished since it was read is read once more.
  return mapAsyncIterable(feed, async (job) => {
    if (!isJobFinished(job.status) || job.finishedAt !== null) return job;
    const [finished] = await deps.documents.jobsByIds([job.id]);
    return finished && isJobFinished(finished.status) ? finished : job;
  });
}

/**
 * Document `id` as its jobs run: first as it is now, then once per move of any of its jobs, its
 * `status` following the job (PROCESSING, then PROCESSED or FAILED). A reprocess starts a new job,
 * so a PROCESSED document can be PROCESSING again: the feed never completes on its own, only when
 * the document is deleted. Each job's moves are in order; one it has already made is skipped.
 * Errors as for {@link watchDocumentJob}.
 */
export async function watchDocument(deps: Deps, viewer: Viewer | null, id: string) {
  requireViewer(viewer);
  if (!isUuid(id)) throw badInput('The document id is not valid', { field: 'id' });
  return liveFeed<Document>(deps.pubsub, documentChannel(id), async () => {
    const document = await watchableDocument(deps, viewer, id, 'The document');
    // Where each job is, as read: a move older than that is skipped, job by job.
    const jobs = new Map<string, JobPoint>((await deps.documents.jobPointsOf(id)).map((job) => [job.id, job]));
    return {
      current: document,
      next(state, message) {
        if (gone.safeParse(message).success) return 'end';
        const update = jobUpdate.safeParse(message);
        if (!update.success) return 'skip';
        const { jobId, status, progress, attempts } = update.data;
        const known = jobs.get(jobId);
        const moved = { status, progress, attempts: attempts ?? known?.attempts ?? 0 };
        if (known && !isLaterJobPoint(known, moved)) return 'skip';
        jobs.set(jobId, moved);
        return { ...state, status: documentStatusAfter(status, state.status) };
      },
      isLast: () => false,
    };
  });
}
