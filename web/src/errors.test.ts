import { describe, expect, it } from 'vitest';
import { cancelReasonText, describeError, messageFor } from './errors.ts';
import { AuthRouteError } from './session/auth-api.ts';

const graphqlErrors = (...errors: { message: string; extensions?: Record<string, unknown> }[]) => ({
  name: 'CombinedGraphQLErrors',
  message: errors.map((e) => e.message).join('\n'),
  errors,
});

describe('error messages', () => {
  it('rate limited says how long to wait', () => {
    expect(
      describeError(graphqlErrors({ message: 'Rate limited', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 12 } })),
    ).toBe('Too many attempts: try again in 12 seconds.');
    expect(messageFor({ code: 'RATE_LIMITED', retryAfterSeconds: 0.2 })).toBe('Too many attempts: try again in 1 second.');
    expect(messageFor({ code: 'RATE_LIMITED' })).toBe('Too many attempts: try again in a moment.');
  });

  it('an /auth route refused as rate limited carries its wait too', () => {
    expect(describeError(new AuthRouteError('RATE_LIMITED', 'Too many attempts', 429, 30))).toBe(
      'Too many attempts: try again in 30 seconds.',
    );
  });

  it('unauthenticated is a session that expired: sign in again', () => {
    expect(
      describeError(graphqlErrors({ message: 'The access token has expired', extensions: { code: 'UNAUTHENTICATED' } })),
    ).toMatch(/session expired.*sign in again/i);
    // A 401 with no GraphQL body (Apollo's ServerError), and a socket closed with 4401.
    expect(describeError({ name: 'ServerError', statusCode: 401, bodyText: '' })).toMatch(/session expired/i);
    expect(describeError({ code: 4401, reason: 'Unauthorized' })).toMatch(/session expired/i);
  });

  it('a refused file type shows the server’s reason', () => {
    const error = graphqlErrors({
      message: 'Files of type "application/zip" cannot be processed; use plain text, PDF, PNG, JPEG or DOCX',
      extensions: { code: 'BAD_USER_INPUT', field: 'contentType' },
    });
    expect(describeError(error)).toBe(
      'Files of type "application/zip" cannot be processed; use plain text, PDF, PNG, JPEG or DOCX.',
    );
  });

  it('out of stock and declined cards say what to do', () => {
    expect(messageFor({ code: 'OUT_OF_STOCK' })).toMatch(/not enough stock/i);
    expect(messageFor({ code: 'PAYMENT_DECLINED', message: 'Insufficient funds' })).toBe(
      'Your card was declined: Insufficient funds.',
    );
    expect(cancelReasonText('OUT_OF_STOCK')).toMatch(/out of stock/i);
    expect(cancelReasonText('PAYMENT_DECLINED')).toMatch(/declined/i);
  });

  it('quota, not found, unavailable and an outdated app each get their own advice', () => {
    expect(messageFor({ code: 'QUOTA_EXCEEDED', message: 'You keep 1000 documents already' })).toBe(
      'You keep 1000 documents already. Delete documents to make room.',
    );
    expect(
      messageFor({ code: 'QUOTA_EXCEEDED', message: 'You may keep at most 1000 documents; delete some to upload more' }),
    ).toBe('You may keep at most 1000 documents; delete some to upload more.');
    expect(messageFor({ code: 'NOT_FOUND', message: 'Order was not found' })).toBe('Order was not found.');
    expect(messageFor({ code: 'SUBGRAPH_UNAVAILABLE', retryAfterSeconds: 5 })).toBe(
      'Part of the service is unavailable right now: try again in 5 seconds.',
    );
    expect(messageFor({ code: 'PERSISTED_QUERY_NOT_IN_LIST' })).toMatch(/reload the page/);
  });

  it('a ServerError with a GraphQL body is read by its code', () => {
    const body = JSON.stringify({ errors: [{ message: 'Body too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    expect(describeError({ name: 'ServerError', statusCode: 413, bodyText: body })).toBe('That is too large to send.');
  });

  it('never shows a stack or an internal message', () => {
    const internal = graphqlErrors({
      message: 'TypeError: Cannot read properties of undefined\n    at resolve (/app/src/x.ts:10:5)',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(describeError(internal)).toBe('Something went wrong on our side: try again.');
    const unknownCode = graphqlErrors({ message: 'Error: boom at /srv/app.js:3:1', extensions: { code: 'SOMETHING_NEW' } });
    expect(describeError(unknownCode)).toBe('Something went wrong on our side: try again.');
    expect(describeError(new Error('whatever'))).toBe('Something went wrong on our side: try again.');
  });

  it('a failed fetch is a connection problem', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toMatch(/cannot be reached/);
    expect(describeError(new AuthRouteError('NETWORK_ERROR', 'The server cannot be reached', 0))).toMatch(/cannot be reached/);
  });
});
