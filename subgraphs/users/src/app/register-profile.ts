/** Use case: an account was registered in auth -> create its profile (idempotent per event). */
import type { DomainEvent } from '#kit/events';
import type { Logger } from '#kit/logger';
import { z } from 'zod';
import { newProfile } from '../domain/user.ts';
import type { UserStore } from '../ports.ts';

/** Payload of the `user.registered` event emitted by the auth subgraph. */
export interface UserRegistered {
  userId: string;
  email: string;
  displayName: string;
  registeredAt: string;
}

const UserRegistered = z.object({
  userId: z.string().uuid(),
  email: z.string().min(1),
  displayName: z.string().min(1),
  registeredAt: z.string().datetime({ offset: true }),
});

/** A malformed event throws (a content failure: dead-lettered at once). */
export async function registerProfile(deps: { users: UserStore; logger: Logger }, event: DomainEvent) {
  const payload: UserRegistered = UserRegistered.parse(event.payload);
  const created = await deps.users.createFromEvent(
    event.id,
    newProfile({ id: payload.userId, email: payload.email, displayName: payload.displayName }, new Date(payload.registeredAt)),
  );
  deps.logger.info({ userId: payload.userId, eventId: event.id, created }, 'user.registered handled');
}
