/** Ids. Every entity id is a UUID; a malformed one names nothing and must not reach Postgres as a cast error. */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (any letter case). */
export const isUuid = (value: string): boolean => uuidPattern.test(value);
