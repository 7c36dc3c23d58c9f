/** A user's profile: the users subgraph's own view of a person. Pure: no I/O. */
import { visibleText } from '#kit';

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
