/** Use cases: an admin reads the events the platform gave up on (the bus's dead letters) and replays them. */
import { requireAdmin, type Viewer } from '#kit/auth';
import { badInput, notFound } from '#kit/errors';
import type { DeadLetter, EventBus } from '#kit/events';
import type { Logger } from '#kit/logger';
import type { OrderStore } from '../ports.ts';

export const maxDeadLettersPage = 500;

/** The newest `last` dead letters, oldest first. FORBIDDEN unless the viewer is an admin. */
export async function listDeadLetters(bus: EventBus, viewer: Viewer | null, last: number): Promise<DeadLetter[]> {
  requireAdmin(viewer, 'Only an admin may read dead letters');
  if (!Number.isInteger(last) || last < 1 || last > maxDeadLettersPage) {
    throw badInput(`last must be between 1 and ${maxDeadLettersPage}`, { argument: 'last' });
  }
  return bus.deadLetters(last);
}

/**
 * Publishes a dead letter's event again (after its cause was fixed): the group that gave up gets it
 * once more; groups that handled it skip it. Audited: who replayed which event is recorded
 * (`dead_letter_replays`) before the replay, and the record taken back if the replay does not
 * happen. FORBIDDEN unless the viewer is an admin; NOT_FOUND when no letter has that id (replayed
 * already, or never there).
 */
export async function replayDeadLetter(
  deps: { bus: EventBus; orders: OrderStore; logger: Logger },
  viewer: Viewer | null,
  id: string,
): Promise<DeadLetter> {
  const admin = requireAdmin(viewer, 'Only an admin may replay dead letters');
  if (!deadLetterId.test(id)) throw badInput('That is not a dead letter id', { argument: 'id' });
  const found = await deps.bus.deadLetter(id);
  if (!found) throw notFound('The dead letter');
  const audit = { deadLetterId: id, eventId: found.event.id, topic: found.event.topic, group: found.group, actorId: admin.id };
  const record = await deps.orders.recordReplay(audit);
  let replayed: DeadLetter | null;
  try {
    replayed = await deps.bus.replayDeadLetter(id);
  } catch (error) {
    await deps.orders.forgetReplay(record);
    throw error;
  }
  if (!replayed) {
    await deps.orders.forgetReplay(record); // another admin replayed it meanwhile
    throw notFound('The dead letter');
  }
  deps.logger.info(audit, 'dead letter replayed');
  return replayed;
}

/** A Redis stream entry id (`1764842400000-0`) or an in-process letter's UUID. */
const deadLetterId = /^\d{1,16}-\d{1,16}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
