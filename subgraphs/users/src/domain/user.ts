/** A user's profile: the users subgraph's own view of a person. Pure: no I/O. */
import { badInput } from '#kit/errors';
import { visibleText } from '#kit/text';

export interface Preferences {
  locale: string;
  currency: string;
  marketingEmails: boolean;
}

export interface Address {
  id: string;
  userId: string;
  label: string;
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string;
  country: string;
  isDefault: boolean;
}

export interface UserProfile {
  id: string;
  email: string;
  displayName: string;
  preferences: Preferences;
  createdAt: Date;
}

export const defaultPreferences: Preferences = { locale: 'en-GB', currency: 'EUR', marketingEmails: false };

/** Reads stored preferences, filling what is missing or malformed with defaults. */
export function preferencesFrom(stored: unknown): Preferences {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  return {
    locale: typeof value.locale === 'string' ? value.locale : defaultPreferences.locale,
    currency:
      typeof value.currency === 'string' && /^[A-Z]{3}$/.test(value.currency) ? value.currency : defaultPreferences.currency,
    marketingEmails: typeof value.marketingEmails === 'boolean' ? value.marketingEmails : defaultPreferences.marketingEmails,
  };
}

/** A display name: trimmed, 1..80 characters, no control or formatting characters. */
export const displayName = (raw: string): string => visibleText(raw, { field: 'displayName', max: 80 });

/** The profile created when an account registers. */
export function newProfile(input: { id: string; email: string; displayName: string }, now: Date): UserProfile {
  return {
    id: input.id,
    email: input.email.trim().toLowerCase(),
    displayName: displayName(input.displayName),
    preferences: defaultPreferences,
    createdAt: now,
  };
}

/**
 * The profile shown between sign-up and the moment the users subgraph has handled
 * `user.registered`: built from what auth put in the access token, with default preferences.
 */
export function provisionalProfile(identity: { id: string; email?: string; name?: string }, now: Date): UserProfile {
  return {
    id: identity.id,
    email: identity.email ?? '',
    displayName: identity.name || identity.email?.split('@')[0] || 'New user',
    preferences: defaultPreferences,
    createdAt: now,
  };
}

/** What a user types to add an address. */
export interface AddressInput {
  label: string;
  line1: string;
  line2?: string | null;
  city: string;
  postalCode: string;
  country: string;
  isDefault?: boolean | null;
}

/** The most addresses one profile keeps. */
export const maxAddresses = 20;

/**
 * A new address from what the user typed: each text trimmed and bounded, the country an ISO 3166-1
 * alpha-2 code (upper-cased), the postal code letters, digits, spaces and dashes. BAD_USER_INPUT
 * naming the field otherwise.
 */
export function newAddress(input: AddressInput, id: string): Omit<Address, 'userId'> {
  const country = input.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country))
    throw badInput('country must be a two-letter ISO 3166-1 code such as PT', { field: 'country' });
  const postalCode = visibleText(input.postalCode, { field: 'postalCode', max: 16 }).toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9 -]*$/.test(postalCode)) {
    throw badInput('postalCode may hold letters, digits, spaces and dashes', { field: 'postalCode' });
  }
  const line2 = input.line2?.trim() ? visibleText(input.line2, { field: 'line2', max: 120 }) : null;
  return {
    id,
    label: visibleText(input.label, { field: 'label', max: 40 }),
    line1: visibleText(input.line1, { field: 'line1', max: 120 }),
    line2,
    city: visibleText(input.city, { field: 'city', max: 80 }),
    postalCode,
    country,
    isDefault: input.isDefault === true,
  };
}
