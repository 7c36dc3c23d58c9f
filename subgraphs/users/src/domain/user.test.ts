import { describe, expect, it } from 'vitest';
import { DomainError } from '#kit/errors';
import { displayName, newProfile, preferencesFrom, provisionalProfile } from './user.ts';

describe('user profile rules', () => {
  it('a display name is trimmed and kept', () => {
    expect(displayName('  Ada Lovelace ')).toBe('Ada Lovelace');
  });

  it.each([[''], ['   '], ['x'.repeat(81)], ['Ada\u202Eecalevol'], ['tab\there']])(
    'the display name %j is refused as BAD_USER_INPUT',
    (raw) => {
      expect(() => displayName(raw)).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as DomainError);
    },
  );

  it('a new profile lower-cases the email and starts with default preferences', () => {
    const profile = newProfile({ id: 'u1', email: ' Ada@Example.COM ', displayName: 'Ada' }, new Date(0));
    expect(profile.email).toBe('ada@example.com');
    expect(profile.preferences).toEqual({ locale: 'en-GB', currency: 'EUR', marketingEmails: false });
  });

  it('stored preferences with bad values fall back to defaults field by field', () => {
    expect(preferencesFrom({ locale: 'pt-BR', currency: 'euro', marketingEmails: 'yes' })).toEqual({
      locale: 'pt-BR',
      currency: 'EUR',
      marketingEmails: false,
    });
  });

  it('a provisional profile comes from the token claims, falling back to the email name', () => {
    expect(provisionalProfile({ id: 'u1', email: 'ada@example.com', name: 'Ada' }, new Date(0))).toMatchObject({
      displayName: 'Ada',
      email: 'ada@example.com',
    });
    expect(provisionalProfile({ id: 'u1', email: 'ada@example.com' }, new Date(0)).displayName).toBe('ada');
  });
});
