/** What the users use cases and resolvers need of the users database (implemented by adapters/prisma-user-store.ts). */
import type { Address, UserProfile } from './domain/user.ts';

/** Profiles and address books; every change of a book is announced (`user.addresses_changed`) in its transaction. */
export interface UserStore {
  byIds(ids: readonly string[]): Promise<UserProfile[]>;
  /** The addresses of many users, each user's default first. */
  addressesOf(userIds: readonly string[]): Promise<Address[]>;
  /**
   * Creates the profile announced by event `eventId`, once: the processed-event record and the
   * profile commit together, so a redelivered event changes nothing. Returns false for a repeat.
   */
  createFromEvent(eventId: string, profile: UserProfile): Promise<boolean>;
  /**
   * Adds an address to `profile.id`'s book (creating the profile from `profile` if the
   * `user.registered` event has not yet). The first address, or one marked default, becomes the
   * default. BAD_USER_INPUT past `max` addresses.
   */
  addAddress(profile: UserProfile, address: Omit<Address, 'userId'>, max: number): Promise<Address>;
  /** Removes one of `userId`'s addresses; another becomes the default if the default went. NOT_FOUND when there is no such address. */
  removeAddress(userId: string, addressId: string): Promise<void>;
  /** Inserts or replaces a profile and its addresses (demo data, admin tooling). */
  save(profile: UserProfile, addresses?: Omit<Address, 'userId'>[]): Promise<void>;
}
