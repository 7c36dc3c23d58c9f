/** GraphQL <-> documents use cases. A customer sees only their own documents; an admin sees all. */
import { assertOwnerOrAdmin, canSee, requireAdmin, requireViewer } from '#kit/auth';
import { badInput, notFound } from '#kit/errors';
import { pageArgs } from '#kit/pagination';
import type { PubSub } from '#kit/pubsub';
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { DocumentStore } from '../ports.ts';
import { listDocuments } from '../app/list-documents.ts';
import {
  createDocumentUpload,
  deleteDocument,
  downloadUrl,
  reprocessDocument,
  submitDocument,
  type UploadDeps,
} from '../app/upload-document.ts';
import { watchDocument, watchDocumentJob } from '../app/watch-document.ts';
import type { Document, DocumentJob } from '../domain/document.ts';
import type { Context } from './context.ts';

/** The document when the viewer may see it; someone else's is indistinguishable from none. */
async function visibleDocument(id: string, { viewer, loaders }: Context): Promise<Document | null> {
  const document = await loaders.document.load(id);
  return document && canSee(viewer, document.ownerId) ? document : null;
}

/** The job when the viewer may see its document. */
async function visibleJob(id: string, ctx: Context): Promise<DocumentJob | null> {
  const job = await ctx.loaders.job.load(id);
  return job && (await visibleDocument(job.documentId, ctx)) ? job : null;
}

export function createResolvers(deps: { documents: DocumentStore; pubsub: PubSub } & Omit<UploadDeps, 'documents'>): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      document: (_, { id }, ctx) => visibleDocument(id, ctx),
      myDocuments: (_, args, { viewer }) => listDocuments(deps, viewer, requireViewer(viewer).id, args),
      failedDocumentJobs: (_, { last }, { viewer }) => {
        requireAdmin(viewer, 'Only an admin may read failed jobs');
        const limit = last ?? 50;
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw badInput('last must be between 1 and 500', { argument: 'last' });
        return deps.documents.failedJobs(limit);
      },
    },
    Mutation: {
      createDocumentUpload: (_, { input }, { viewer }) => createDocumentUpload(deps, viewer, input),
      submitDocument: (_, { id }, { viewer }) => submitDocument(deps, viewer, id),
      reprocessDocument: (_, { id }, { viewer }) => reprocessDocument(deps, viewer, id),
      deleteDocument: (_, { id }, { viewer }) => deleteDocument(deps, viewer, id),
    },
    Subscription: {
      documentJobUpdated: {
        subscribe: (_, { jobId }, { viewer }) => watchDocumentJob(deps, viewer, jobId),
        resolve: (job: DocumentJob) => job,
      },
      documentUpdated: {
        subscribe: (_, { id }, { viewer }) => watchDocument(deps, viewer, id),
        resolve: (document: Document) => document,
      },
    },
    Document: {
      __resolveReference: (ref, ctx) => visibleDocument(ref.id, ctx),
      owner: (document) => ({ id: document.ownerId }),
      size: (document) => document.sizeBytes,
      jobs: (document, _, { loaders }) => loaders.jobs.load(document.id),
      // Reached only through a document the viewer may see.
      downloadUrl: (document) => downloadUrl(deps, document),
    },
    DocumentJob: {
      __resolveReference: (ref, ctx) => visibleJob(ref.id, ctx),
      // Reached only through a job the viewer may see, so its document is theirs too.
      document: async (job, _, { loaders }) => {
        const document = await loaders.document.load(job.documentId);
        if (!document) throw notFound('Document'); // jobs are deleted with their document; a race at most
        return document;
      },
    },
    User: {
      documents: (user, { first }, { viewer, loaders }) => {
        assertOwnerOrAdmin(viewer, user.id);
        return loaders.recentDocuments.load({ ownerId: user.id, limit: pageArgs({ first }).take });
      },
    },
  };
}
