/** The persisted-query id of a document. */
import type { DocumentNode } from 'graphql';
import { print } from '@apollo/client/utilities';

/**
 * The hash the client preset embedded (`__meta__.hash`: the sha256 of the body in
 * `web/src/gql/persisted-documents.json`, written `sha256:<hex>`; APQ names a document by the bare
 * hex), or — for a document written without the preset — the sha256 of its printed text.
 */
export async function documentHash(document: DocumentNode): Promise<string> {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  if (typeof meta?.hash === 'string') return meta.hash.replace(/^sha256:/, '');
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(print(document)));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}
