import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageArgs, toConnection } from './pagination.js';

describe('cursor pagination', () => {
  it('a cursor round-trips the (createdAt, id) position', () => {
    const row = { createdAt: new Date('2026-11-22T10:00:00.123Z'), id: '0d3e0000-0000-4000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
  });

  it.each([[0], [101], [1.5], [-3]])('first = %s is BAD_USER_INPUT', (first) => {
    expect(() => pageArgs({ first })).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });

  const forged = (text: string) => Buffer.from(text).toString('base64url');
  const id = '0d3e0000-0000-4000-8000-000000000001';
  it.each([
    ['garbage', 'not-a-cursor'],
    ['an id that is not a UUID', forged('2026-11-22T10:00:00.123Z|abc')],
    ['a third part', forged(`2026-11-22T10:00:00.123Z|${id}|x`)],
    ['a date PostgreSQL cannot hold', forged(`-200000-01-01T00:00:00.000Z|${id}`)],
    ['a day that does not exist', forged(`2026-02-30T00:00:00.000Z|${id}`)],
    ['a date in another format', forged(`2026-11-22|${id}`)],
  ])('a cursor the API did not issue (%s) is BAD_USER_INPUT naming `after`', (_, after) => {
    expect(() => pageArgs({ after })).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { argument: 'after' } }) as Error,
    );
  });

  it('a connection built from take + 1 rows says whether there is a next page', () => {
    const rows = [3, 2, 1].map((n) => ({ createdAt: new Date(n * 1000), id: String(n) }));
    const page = toConnection(rows, 2);
    expect(page.edges.map((e) => e.node.id)).toEqual(['3', '2']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: page.edges[1]!.cursor });
    expect(toConnection(rows, 3).pageInfo.hasNextPage).toBe(false);
  });
});
