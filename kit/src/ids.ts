/**
 * Ids. Every entity id is a UUID: a malformed one names nothing. Pure (no imports): domain code uses
 * it; a schema refuses malformed ids before they reach PostgreSQL in malformed-ids.ts.
 */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (any letter case). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && uuidPattern.test(value);
