/**
 * AWS Signature Version 4 for S3, the part the `minio` client does not offer: presigned URLs that sign
 * request headers of our choosing (the client presigns only `host`), and checking a signature on the
 * server side for the embedded S3 server, which accepts any V4 signature unchecked.
 *
 * A header in `X-Amz-SignedHeaders` is part of what is signed: S3 and MinIO refuse the request when it
 * arrives with another value. Signing `content-type` and `content-length` is how an upload URL allows
 * one type and one size only. Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

const algorithm = 'AWS4-HMAC-SHA256';
const unsignedPayload = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hmac = (key: Buffer | string, value: string) => createHmac('sha256', key).update(value).digest();
/** `20260102T030405Z` */
const amzDate = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/** The query string SigV4 signs: every parameter but the signature, encoded, sorted by name then value. */
function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The signature of a request, from its canonical form (`path` as sent: already URI-encoded). */
function signature(
  credentials: S3Credentials,
  request: { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; payloadHash: string },
  date: string,
): string {
  const names = Object.keys(request.headers).sort();
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    ...names.map((name) => `${name}:${request.headers[name]!.trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    request.payloadHash,
  ].join('\n');
  const day = date.slice(0, 8);
  const scope = `${day}/${credentials.region}/s3/aws4_request`;
  const stringToSign = [algorithm, date, scope, sha256(canonicalRequest)].join('\n');
  const key = ['s3', 'aws4_request'].reduce(hmac, hmac(hmac(`AWS4${credentials.secretKey}`, day), credentials.region));
  return hmac(key, stringToSign).toString('hex');
}

/**
 * A presigned URL for `method` on `url` (path already URI-encoded), valid `expiresSeconds`, that also
 * signs `headers` (lower-case names): the request must carry exactly those values.
 */
export function presignUrl(
  credentials: S3Credentials,
  request: { method: string; url: URL; headers?: Record<string, string>; expiresSeconds: number; now?: Date },
): string {
  const url = new URL(request.url);
  const date = amzDate(request.now ?? new Date());
  const headers = { host: url.host, ...request.headers };
  url.searchParams.set('X-Amz-Algorithm', algorithm);
  url.searchParams.set('X-Amz-Credential', `${credentials.accessKey}/${date.slice(0, 8)}/${credentials.region}/s3/aws4_request`);
  url.searchParams.set('X-Amz-Date', date);
  url.searchParams.set('X-Amz-Expires', String(request.expiresSeconds));
  url.searchParams.set('X-Amz-SignedHeaders', Object.keys(headers).sort().join(';'));
  const signed = signature(
    credentials,
    { method: request.method, path: url.pathname, query: url.searchParams, headers, payloadHash: unsignedPayload },
    date,
  );
  // Encoded as signed (%20, not URLSearchParams' `+`, which S3 does not read as a space).
  url.search = `${canonicalQuery(url.searchParams)}&X-Amz-Signature=${signed}`;
  return url.toString();
}

/** A request as a server received it: `url` is the raw request target (`/bucket/key?query`). */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const maxClockSkewMs = 15 * 60 * 1000;
/** Milliseconds of an `X-Amz-Date` (`20260102T030405Z`), NaN when malformed. */
const parseAmzDate = (date: string) =>
  Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

/**
 * Why `request` is not signed with `credentials` (SigV4, in the `Authorization` header or presigned in
 * the query), or null when it is: a wrong or missing signature, a signed header missing or changed, an
 * expired URL. The payload hash is taken as declared, as the embedded server does not read bodies twice.
 */
export function signatureProblem(credentials: S3Credentials, request: ReceivedRequest, now = new Date()): string | null {
  const url = new URL(request.url, 'http://server');
  const query = url.searchParams;
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  let given: { credential: string; signedHeaders: string; signature: string; date: string; payloadHash: string };
  const authorization = header('authorization');
  if (query.get('X-Amz-Algorithm') === algorithm) {
    const date = query.get('X-Amz-Date') ?? '';
    const expires = Number(query.get('X-Amz-Expires'));
    const signedAt = parseAmzDate(date);
    if (!Number.isFinite(signedAt) || !Number.isInteger(expires)) return 'malformed presigned URL';
    if (now.getTime() > signedAt + expires * 1000) return 'the presigned URL has expired';
    given = {
      credential: query.get('X-Amz-Credential') ?? '',
      signedHeaders: query.get('X-Amz-SignedHeaders') ?? '',
      signature: query.get('X-Amz-Signature') ?? '',
      date,
      payloadHash: unsignedPayload,
    };
  } else if (authorization?.startsWith(`${algorithm} `)) {
    const fields = Object.fromEntries(
      authorization
        .slice(algorithm.length + 1)
        .split(',')
        .map((field) => field.trim().split('=') as [string, string]),
    );
    const date = header('x-amz-date') ?? '';
    const signedAt = parseAmzDate(date);
    if (!Number.isFinite(signedAt) || Math.abs(now.getTime() - signedAt) > maxClockSkewMs)
      return 'the request time is too skewed';
    given = {
      credential: fields.Credential ?? '',
      signedHeaders: fields.SignedHeaders ?? '',
      signature: fields.Signature ?? '',
      date,
      payloadHash: header('x-amz-content-sha256') ?? '',
    };
  } else {
    return 'the request is not signed';
  }
  const [accessKey, day, region] = given.credential.split('/');
  if (accessKey !== credentials.accessKey || region !== credentials.region || day !== given.date.slice(0, 8))
    return 'unknown credential';
  const headers: Record<string, string> = {};
  for (const name of given.signedHeaders.split(';')) {
    const value = header(name);
    if (value === undefined) return `the signed header ${name} is missing`;
    headers[name] = value;
  }
  if (!('host' in headers)) return 'the host header is not signed';
  const expected = Buffer.from(
    signature(
      credentials,
      { method: request.method, path: url.pathname, query, headers, payloadHash: given.payloadHash },
      given.date,
    ),
  );
  const provided = Buffer.from(given.signature);
  return provided.length === expected.length && timingSafeEqual(provided, expected) ? null : 'the signature does not match';
}
