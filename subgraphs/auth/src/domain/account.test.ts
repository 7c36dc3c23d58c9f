import { describe, expect, it } from 'vitest';
import { checkPassword, normaliseEmail, scopesOf } from './account.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('account rules', () => {
  it('an email is trimmed and lower-cased', () => {
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it.each([
    ['no at sign', 'ada.example.com'],
    ['no domain dot', 'ada@example'],
    ['inner space', 'ada lovelace@example.com'],
    ['zero-width space', 'ada\u200b@example.com'],
    ['right-to-left override', 'ada\u202e@example.com'],
    ['too long', `${'a'.repeat(250)}@example.com`],
    ['SQL injection', "' OR 1=1 --@x.com"],
    ['empty', ''],
  ])('an email with %s is refused as BAD_USER_INPUT', (_, email) => {
    expect(code(() => normaliseEmail(email))).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['too short', 'abc123xyz'],
    ['too long', 'ab1!'.repeat(33)],
    ['one repeated character', 'aaaaaaaaaaaa'],
    ['the email name inside', 'ada-lovelace-ada-2026'],
  ])('a password that is %s is refused as BAD_USER_INPUT', (_, password) => {
    expect(code(() => checkPassword(password, 'ada@example.com'))).toBe('BAD_USER_INPUT');
  });

  it('a long, varied password passes the policy', () => {
    expect(code(() => checkPassword('correct horse battery staple', 'ada@example.com'))).toBe('OK');
  });

  it('roles map to lower-case scopes', () => {
    expect(scopesOf(['CUSTOMER', 'ADMIN'])).toEqual(['customer', 'admin']);
  });
});
