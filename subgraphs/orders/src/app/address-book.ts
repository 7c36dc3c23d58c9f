/**
 * Orders' copy of each buyer's address book, kept from the users subgraph's `user.addresses_changed`
 * events (the users subgraph owns addresses; orders only needs to know whose each id is). An event
 * carries the whole book and its version, so a redelivered or late event changes nothing.
 */
import type { DomainEvent } from '#kit/events';
import type { Logger } from '#kit/logger';
import { z } from 'zod';
import type { OrderStore } from '../ports.ts';

export const addressesChangedTopic = 'user.addresses_changed';

const AddressesChanged = z.object({
  userId: z.string().uuid(),
  addressIds: z.array(z.string().uuid()).max(1000),
  version: z.number().int().nonnegative(),
});

/** `user.addresses_changed` -> the buyer's book as announced (a malformed event is dead-lettered). */
export async function onAddressesChanged(deps: { orders: OrderStore; logger: Logger }, event: DomainEvent): Promise<void> {
  const { userId, addressIds, version } = AddressesChanged.parse(event.payload);
  const replaced = await deps.orders.replaceAddressBook(userId, addressIds, version);
  deps.logger.debug({ userId, version, replaced }, 'address book updated');
}
