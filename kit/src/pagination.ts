/**
 * Cursor pagination (Relay connections) over a `(createdAt, id)` ordering, newest first.
 * Cursors are opaque to clients: base64url of `<iso-date>|<id>`.
 */
import { badInput } from './errors.js';
import { isUuid } from './ids.js';

export interface Cursor {
  createdAt: Date;
  id: string;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const maxPageSize = 100;

export function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** A date as `toISOString` writes it for years 0000-9999, which PostgreSQL's timestamps hold. */
const isoDatePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The position a cursor of {@link encodeCursor} names. Anything else is BAD_USER_INPUT: a forged id
 * or date would otherwise reach PostgreSQL as a cast or range error.
 */
export function decodeCursor(cursor: string): Cursor {
  const [iso = '', id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso);
  // Written back, a real date reads the same: this rules out days that do not exist (02-30).
  const issuedDate = isoDatePattern.test(iso) && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === iso;
  if (rest.length > 0 || !isUuid(id) || !issuedDate) {
    throw badInput('`after` is not a cursor returned by this API', { argument: 'after' });
  }
  return { createdAt, id };
}

/** Validates page arguments: `first` in 1..100 (default 20), `after` a valid cursor. */
export function pageArgs(args: PageArgs, defaultSize = 20): { take: number; after: Cursor | null } {
  const take = args.first ?? defaultSize;
  if (!Number.isInteger(take) || take < 1 || take > maxPageSize) {
    throw badInput(`\`first\` must be between 1 and ${maxPageSize}`, { argument: 'first' });
  }
  return { take, after: args.after ? decodeCursor(args.after) : null };
}

/**
 * Prisma `where` fragment selecting rows strictly after the cursor in `createdAt desc, id desc` order.
 */
export function afterCursor(after: Cursor | null) {
  if (!after) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
  };
}

export const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Builds a connection from `take + 1` fetched rows. */
export function toConnection<T extends Cursor>(rows: T[], take: number): Connection<T> {
  const page = rows.slice(0, take);
  const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > take, endCursor: edges.at(-1)?.cursor ?? null } };
}
