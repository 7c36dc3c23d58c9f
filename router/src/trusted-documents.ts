/**
 * Trusted documents: the operations a client ships, listed in a manifest, served by id; and, in
 * `enforce` mode, nothing else.
 *
 * The manifest is Apollo's persisted query manifest (`{ "format": "apollo-persisted-query-manifest",
 * "version": 1, "operations": [{ "id", "name", "type", "body" }] }`, as `generate-persisted-query-manifest`
 * writes it) or GraphQL Code Generator's client preset `persistedDocuments` map (`{ "<id>": "<body>" }`).
 * Ids are taken as the manifest gives them (the client preset hashes with sha1 unless told sha256);
 * every body is also known by the sha256 of its text, which is what an APQ-shaped request names.
 *
 * A request names a document by id in one of two ways:
 * - Apollo's APQ shape: `extensions.persistedQuery = { version: 1, sha256Hash }`, without `query`;
 * - the GraphQL-over-HTTP persisted documents field `documentId`.
 * A known id is served with the manifest's body; an unknown one is `PERSISTED_QUERY_NOT_FOUND` — except
 * outside `enforce`, where an APQ hash the manifest does not know goes on to Apollo Server's own APQ
 * cache (automatic persisted queries keep working in `off` and `log`).
 *
 * A request with the full text is checked against the manifest's bodies exactly as sent (the same as
 * comparing sha256s): no normalisation of whitespace or comments. The manifest's bodies are the very
 * strings the client sends (both generators print the document once and hash that text), and an
 * exact match costs one string lookup, where normalising would cost a parse and a print per request
 * before any cache. A client that
 * reformats its documents must regenerate its manifest.
 *
 * Modes (`ROUTER_TRUSTED_DOCUMENTS`):
 * - `off`: anything is served; ids in the manifest (if one is given) are still resolved;
 * - `log`: anything is served; a text not in the manifest is logged with its hash, once per hash
 *   per minute (rollout: see what would be refused before refusing it);
 * - `enforce`: a text not in the manifest is refused with `PERSISTED_QUERY_NOT_IN_LIST`. Apollo
 *   Server's APQ is off in this mode and the `persistedQuery` extension never reaches it, so an APQ
 *   registration (hash + text) is checked like any other text: it cannot add to the list.
 *
 * The manifest file is polled for changes like the supergraph file; a file that does not read or
 * parse is logged and the last good manifest stays.
 */
import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '#kit/logger';

export const trustedDocumentsModes = ['off', 'log', 'enforce'] as const;
export type TrustedDocumentsMode = (typeof trustedDocumentsModes)[number];

/**
 * The mode when `ROUTER_TRUSTED_DOCUMENTS` is not set. Development: `off` (Sandbox, curl, a client
 * being written). Production: `enforce` as soon as a manifest is configured — naming the operations
 * your clients ship is the opt-in, and serving anything else besides would leave the edge as open
 * as before; roll out with `log` explicitly first. Production without a manifest: `off` (an API open
 * to third-party clients has no list to enforce), with a warning at start.
 */
export function defaultTrustedDocumentsMode(production: boolean, path: string | undefined): TrustedDocumentsMode {
  return production && path ? 'enforce' : 'off';
}

/** The operations of a manifest: bodies by the manifest's id, and by the sha256 of the body. */
export interface Manifest {
  byId: Map<string, string>;
  bySha256: Map<string, string>;
  /**
   * The bodies themselves: a text is known when it is one of them, which is the same as its sha256
   * being known, for a string lookup (~0.1 µs) rather than a sha256 (~3 µs) per request.
   */
  bodies: Set<string>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a manifest in either format; throws with what is wrong. */
export function parseManifest(text: string): Manifest {
  const json: unknown = JSON.parse(text);
  if (!isObject(json)) throw new Error('a manifest is a JSON object');
  const entries: [string, string][] = [];
  if (json.format === 'apollo-persisted-query-manifest') {
    if (json.version !== 1) throw new Error(`unsupported apollo-persisted-query-manifest version ${String(json.version)}`);
    if (!Array.isArray(json.operations)) throw new Error('"operations" must be an array');
    json.operations.forEach((operation: unknown, index) => {
      if (!isObject(operation) || typeof operation.id !== 'string' || typeof operation.body !== 'string') {
        throw new Error(`operations[${index}] needs a string "id" and a string "body"`);
      }
      entries.push([operation.id, operation.body]);
    });
  } else {
    for (const [id, body] of Object.entries(json)) {
      if (typeof body !== 'string') {
        throw new Error(`"${id}" is not a document: expected an apollo-persisted-query-manifest or a { "<id>": "<body>" } map`);
      }
      entries.push([id, body]);
    }
  }
  const manifest: Manifest = { byId: new Map(), bySha256: new Map(), bodies: new Set() };
  for (const [id, body] of entries) {
    manifest.byId.set(id, body);
    manifest.bySha256.set(sha256(body), body);
    manifest.bodies.add(body);
  }
  return manifest;
}

interface ManifestFile {
  current(): Manifest;
  stop(): void;
}

/**
 * The manifest at `path`, read now (a bad file throws: there is no last good one yet) and again
 * whenever its modification time changes.
 */
function manifestFromFile(options: {
  path: string;
  logger: Logger;
  pollIntervalMs?: number;
  onReload?: (operations: number) => void;
}): ManifestFile {
  const { path, logger } = options;
  let manifest = parseManifest(readFileSync(path, 'utf8'));
  logger.info({ path, operations: manifest.byId.size }, 'trusted documents loaded');
  const check = () => {
    try {
      manifest = parseManifest(readFileSync(path, 'utf8'));
    } catch (error) {
      logger.error({ err: error, path }, 'trusted documents manifest rejected; keeping the current one');
      return;
    }
    logger.info({ path, operations: manifest.byId.size }, 'trusted documents reloaded');
    options.onReload?.(manifest.byId.size);
  };
  watchFile(path, { interval: options.pollIntervalMs ?? 500 }, check);
  return { current: () => manifest, stop: () => unwatchFile(path, check) };
}

/** The request parameters an admission reads (a POST body, GET's query string, a graphql-ws `subscribe` payload). */
export interface OperationParams {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

/** A request refused before Apollo: its code, message and HTTP status. */
export interface Refusal {
  code: string;
  message: string;
  status: number;
}

/**
 * What to do with a request: `pass` it as it is; `serve` it with this text (the id and the
 * `persistedQuery` extension removed); or refuse it.
 */
export type Admission = { kind: 'pass' } | { kind: 'serve'; query: string } | ({ kind: 'refuse' } & Refusal);

const pass: Admission = { kind: 'pass' };

const refuse = (code: string, message: string, status: number): Admission => ({ kind: 'refuse', code, message, status });

/** Unknown texts logged per window, at most; the rest of the window's are counted. */
const maxLoggedPerWindow = 1_000;
const logWindowMs = 60_000;

interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  /** The manifest in use; undefined when none is configured (then only `off` makes sense). */
  manifest?: () => Manifest;
  logger: Logger;
  stop?: () => void;
}

/** Where the router's trusted documents come from: the mode, and the manifest file (polled). */
export interface TrustedDocumentsSettings {
  mode: TrustedDocumentsMode;
  path?: string;
  pollIntervalMs?: number;
  /** Called after each reload of the manifest, with its number of operations (tests). */
  onReload?: (operations: number) => void;
}

/**
 * The router's trusted documents: reads the manifest (if any) and watches it. `log` and `enforce`
 * without a manifest are a configuration error: there would be nothing to compare with.
 */
export function startTrustedDocuments(settings: TrustedDocumentsSettings, logger: Logger): TrustedDocuments {
  const { mode, path } = settings;
  if (!path) {
    if (mode !== 'off') throw new Error(`ROUTER_TRUSTED_DOCUMENTS=${mode} needs a manifest: set ROUTER_TRUSTED_DOCUMENTS_PATH`);
    return createTrustedDocuments({ mode, logger });
  }
  const file = manifestFromFile({ path, logger, pollIntervalMs: settings.pollIntervalMs, onReload: settings.onReload });
  logger.info({ mode, path }, 'trusted documents');
  return createTrustedDocuments({ mode, logger, manifest: file.current, stop: file.stop });
}

export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /** Stops watching the manifest file. */
  stop(): void;
  /** Decides a request's fate from its parameters. */
  admit(params: OperationParams): Admission;
  /** Applies an admission to parameters in place (they are the request's own, freshly parsed). */
  apply(params: OperationParams, query: string): void;
}

/** The admission of requests under a mode and a manifest. */
function createTrustedDocuments(options: TrustedDocumentsOptions): TrustedDocuments {
  const { mode, logger } = options;
  const manifest = options.manifest ?? (() => undefined);

  // `log`: each unknown text once per window, and no more than maxLoggedPerWindow of them.
  let logged = new Set<string>();
  let windowStarted = Date.now();
  let suppressed = 0;
  function logUnknown(hash: string, operationName: unknown) {
    const now = Date.now();
    if (now - windowStarted >= logWindowMs) {
      if (suppressed > 0) logger.warn({ suppressed }, 'more untrusted documents were served in the last minute than were logged');
      logged = new Set();
      windowStarted = now;
      suppressed = 0;
    }
    if (logged.has(hash)) return;
    if (logged.size >= maxLoggedPerWindow) {
      suppressed++;
      return;
    }
    logged.add(hash);
    const name = typeof operationName === 'string' ? operationName : undefined;
    logger.warn({ sha256: hash, operationName: name }, 'served a document that is not in the trusted documents manifest');
  }

  /** A full text: known, logged, or refused, by mode. */
  function admitText(query: string, hash: string | undefined, operationName: unknown, stripExtension: boolean): Admission {
    if (mode === 'off') return pass;
    const known = manifest()?.bodies.has(query) ?? false;
    if (mode === 'log') {
      if (!known) logUnknown(hash ?? sha256(query), operationName);
      return pass;
    }
    if (!known) {
      const sha = hash ?? sha256(query);
      return refuse(
        'PERSISTED_QUERY_NOT_IN_LIST',
        `This router only serves trusted documents, and this one (sha256 ${sha}) is not in its list. Send the id of an operation your client ships.`,
        400,
      );
    }
    // Enforce: the text is served without the APQ extension (Apollo Server's APQ is off).
    return stripExtension ? { kind: 'serve', query } : pass;
  }

  return {
    mode,
    stop: options.stop ?? (() => {}),
    apply(params, query) {
      params.query = query;
      delete params.documentId;
      if (isObject(params.extensions) && 'persistedQuery' in params.extensions) delete params.extensions.persistedQuery;
    },
    admit(params) {
      const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
      const persisted = isObject(params.extensions) ? params.extensions.persistedQuery : undefined;
      const documentId = params.documentId;
      if (persisted === undefined && documentId === undefined) {
        return query === undefined ? pass : admitText(query, undefined, params.operationName, false);
      }

      if (documentId !== undefined) {
        if (typeof documentId !== 'string' || documentId === '')
          return refuse('BAD_REQUEST', '"documentId" must be a non-empty string', 400);
        const body = manifest()?.byId.get(documentId) ?? manifest()?.bySha256.get(documentId);
        if (query === undefined) {
          return body === undefined
            ? refuse('PERSISTED_QUERY_NOT_FOUND', `No trusted document has the id "${documentId}"`, 200)
            : { kind: 'serve', query: body };
        }
        if (body !== undefined && body !== query) {
          return refuse('BAD_REQUEST', `The query sent is not the document "${documentId}" names`, 400);
        }
        const admitted = admitText(query, undefined, params.operationName, true);
        return admitted.kind === 'pass' ? { kind: 'serve', query } : admitted;
      }

      if (!isObject(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') {
        return refuse('BAD_REQUEST', 'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<hex>" }', 400);
      }
      const hash = persisted.sha256Hash.toLowerCase();
      if (query === undefined) {
        const body = manifest()?.bySha256.get(hash) ?? manifest()?.byId.get(persisted.sha256Hash);
        if (body !== undefined) return { kind: 'serve', query: body };
        // Outside enforce, Apollo Server's APQ cache may know it (and answers PERSISTED_QUERY_NOT_FOUND if not).
        return mode === 'enforce' ? refuse('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', 200) : pass;
      }
      if (sha256(query) !== hash) {
        return refuse(
          'PERSISTED_QUERY_HASH_MISMATCH',
          'extensions.persistedQuery.sha256Hash is not the sha256 of the query sent (hex of the UTF-8 text, as sent)',
          400,
        );
      }
      return admitText(query, hash, params.operationName, true);
    },
  };
}

/** A GraphQL request as the HTTP front door hands it over: method, query string, parsed body. */
export interface HttpOperationRequest {
  method: string;
  search: string;
  body: unknown;
}

/**
 * Admits an HTTP request: a POST's JSON body (each operation of a batch), or a GET's query string
 * (`query`, `documentId`, `operationName`, `extensions` as JSON). Returns the request to hand to
 * Apollo, rewritten when an id was resolved, or the refusal to answer.
 */
export function admitHttpRequest(
  trusted: TrustedDocuments,
  request: HttpOperationRequest,
): { search: string; body: unknown } | Refusal {
  if (request.method === 'GET') {
    if (request.search === '') return request;
    const search = new URLSearchParams(request.search);
    let extensions: unknown;
    try {
      extensions = search.has('extensions') ? JSON.parse(search.get('extensions')!) : undefined;
    } catch {
      return request; // Apollo Server refuses it (400)
    }
    const params: OperationParams = {
      query: search.get('query') ?? undefined,
      documentId: search.get('documentId') ?? undefined,
      operationName: search.get('operationName') ?? undefined,
      extensions,
    };
    const admission = trusted.admit(params);
    if (admission.kind === 'refuse') return admission;
    if (admission.kind === 'pass') return request;
    trusted.apply(params, admission.query);
    search.set('query', admission.query);
    search.delete('documentId');
    if (isObject(params.extensions) && Object.keys(params.extensions).length > 0) {
      search.set('extensions', JSON.stringify(params.extensions));
    } else {
      search.delete('extensions');
    }
    return { search: `?${search.toString()}`, body: request.body };
  }
  const operations = Array.isArray(request.body) ? request.body : [request.body];
  for (const operation of operations) {
    // Anything else (no body, text, numbers) Apollo Server refuses as a bad request.
    if (!isObject(operation)) continue;
    const admission = trusted.admit(operation);
    if (admission.kind === 'refuse') return admission;
    if (admission.kind === 'serve') trusted.apply(operation, admission.query);
  }
  return request;
}

/**
 * graphql-ws validates a `subscribe` payload before any hook sees it, and wants a string `query`: a
 * payload naming a document by id (`documentId`, or the APQ extension) without one gets an empty
 * `query` here (a JSON.parse reviver, run on the whole message), for `onSubscribe` to resolve.
 */
export function subscribeMessageReviver(this: unknown, key: string, value: unknown): unknown {
  if (key !== '' || !isObject(value) || value.type !== 'subscribe' || !isObject(value.payload)) return value;
  const payload = value.payload;
  const persisted = isObject(payload.extensions) ? payload.extensions.persistedQuery : undefined;
  if (payload.query === undefined && (payload.documentId !== undefined || persisted !== undefined)) payload.query = '';
  return value;
}

/**
 * Admits a graphql-ws `subscribe` payload in place (a resolved id becomes its text), or answers the
 * refusal. No APQ cache stands behind the socket: an id nothing resolves is not found, in every mode.
 */
export function admitSubscribePayload(trusted: TrustedDocuments, payload: OperationParams): Refusal | undefined {
  const admission = trusted.admit(payload);
  if (admission.kind === 'refuse') return admission;
  if (admission.kind === 'serve') trusted.apply(payload, admission.query);
  else if (payload.query === '' && isObject(payload.extensions) && payload.extensions.persistedQuery !== undefined) {
    return { code: 'PERSISTED_QUERY_NOT_FOUND', message: 'PersistedQueryNotFound', status: 200 };
  }
  return undefined;
}
