/** The bucket's CORS configuration, from the same origin patterns as the router's (see `#kit/cors`). */
import { corsOriginMatcher } from '#kit/cors';

/**
 * The same origins as an S3 bucket CORS configuration (the XML `PutBucketCors` takes, which the
 * embedded S3 server reads too): browser uploads (presigned PUT) and downloads from those pages.
 * S3 allows one `*` per origin, so `https://*.example.com:*` is refused here with its name.
 */
export function s3CorsConfiguration(origins: string[], maxAgeSeconds = 600): string {
  const allowed = origins
    .map((o) => o.trim().toLowerCase().replace(/\/$/, ''))
    .filter(Boolean)
    .flatMap((origin) => {
      corsOriginMatcher(origin);
      if (origin.split('*').length > 2) throw new Error(`S3 CORS allows one * per origin: "${origin}"`);
      // S3's `*` is "any characters": `host:*` needs the portless origin beside it.
      return origin.endsWith(':*') ? [origin, origin.slice(0, -2)] : [origin];
    });
  const rule = [
    ...allowed.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`),
    ...['GET', 'HEAD', 'PUT'].map((m) => `<AllowedMethod>${m}</AllowedMethod>`),
    '<AllowedHeader>*</AllowedHeader>',
    '<ExposeHeader>ETag</ExposeHeader>',
    `<MaxAgeSeconds>${maxAgeSeconds}</MaxAgeSeconds>`,
  ].join('');
  return `<CORSConfiguration><CORSRule>${rule}</CORSRule></CORSConfiguration>`;
}
