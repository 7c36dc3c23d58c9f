/** Use case: one page of an owner's documents, newest first — for the owner or an admin only. */
import { assertOwnerOrAdmin, type Viewer } from '#kit/auth';
import { pageArgs, toConnection, type Connection, type PageArgs } from '#kit/pagination';
import type { DocumentStore } from '../ports.ts';
import type { Document } from '../domain/document.ts';

/**
 * Lists `ownerId`'s documents. UNAUTHENTICATED when anonymous, FORBIDDEN when the viewer is
 * neither the owner nor an admin, BAD_USER_INPUT for a bad `first`/`after`.
 */
export async function listDocuments(
  deps: { documents: DocumentStore },
  viewer: Viewer | null,
  ownerId: string,
  args: PageArgs,
): Promise<Connection<Document>> {
  assertOwnerOrAdmin(viewer, ownerId);
  const { take, after } = pageArgs(args);
  return toConnection(await deps.documents.byOwner(ownerId, take + 1, after), take);
}
