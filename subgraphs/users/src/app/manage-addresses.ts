/** Use cases: a user adds and removes postal addresses of their own (orders ships only to those). */
import { randomUUID } from 'node:crypto';
import { requireViewer, type Viewer } from '#kit/auth';
import { badInput } from '#kit/errors';
import { isUuid } from '#kit/ids';
import type { UserStore } from '../ports.ts';
import { maxAddresses, newAddress, provisionalProfile, type Address, type AddressInput } from '../domain/user.ts';

/**
 * Adds an address to the viewer's profile. UNAUTHENTICATED when anonymous; BAD_USER_INPUT for an
 * invalid address or past {@link maxAddresses}.
 */
export async function addAddress(deps: { users: UserStore }, viewer: Viewer | null, input: AddressInput): Promise<Address> {
  const who = requireViewer(viewer);
  const address = newAddress(input, randomUUID());
  // Just signed up: the profile may not exist yet (user.registered in flight); the token says enough.
  return deps.users.addAddress(provisionalProfile(who, new Date()), address, maxAddresses);
}

/** Removes one of the viewer's addresses. NOT_FOUND for an address that is not theirs. */
export async function removeAddress(deps: { users: UserStore }, viewer: Viewer | null, id: string): Promise<boolean> {
  const who = requireViewer(viewer);
  if (!isUuid(id)) throw badInput('That is not an address id', { argument: 'id' });
  await deps.users.removeAddress(who.id, id);
  return true;
}
