import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageArgs, toConnection } from './pagination.js';

describe('cursor pagination', () => {
  it('a cursor round-trips the (createdAt, id) position', () => {
    const row = { createdAt: new Date('2026-11-22T10:00:00.123Z'), id: 'abc' };
    expect(decodeCursor(encodeCursor(row))).toEqual(row);
  });

  it.each([[0], [101], [1.5], [-3]])('first = %s is BAD_USER_INPUT', (first) => {
    expect(() => pageArgs({ first })).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });

  it('a cursor that was not issued by the API is BAD_USER_INPUT', () => {
    expect(() => pageArgs({ after: 'not-a-cursor' })).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });

  it('a connection built from take + 1 rows says whether there is a next page', () => {
    const rows = [3, 2, 1].map((n) => ({ createdAt: new Date(n * 1000), id: String(n) }));
    const page = toConnection(rows, 2);
    expect(page.edges.map((e) => e.node.id)).toEqual(['3', '2']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: page.edges[1]!.cursor });
    expect(toConnection(rows, 3).pageInfo.hasNextPage).toBe(false);
  });
});
