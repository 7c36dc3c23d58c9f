/** Use case: an admin reads the events the platform gave up on (the bus's dead letters). */
import { badInput, requireAdmin, type DeadLetter, type EventBus, type Viewer } from '#kit';

export const maxDeadLettersPage = 500;

/** The newest `last` dead letters, oldest first. FORBIDDEN unless the viewer is an admin. */
export async function listDeadLetters(bus: EventBus, viewer: Viewer | null, last: number): Promise<DeadLetter[]> {
  requireAdmin(viewer, 'Only an admin may read dead letters');
  if (!Number.isInteger(last) || last < 1 || last > maxDeadLettersPage) {
    throw badInput(`last must be between 1 and ${maxDeadLettersPage}`, { argument: 'last' });
  }
  return bus.deadLetters(last);
}
