/** Input text rules shared by every edge that takes free text from people. */
import { badInput } from './errors.js';

// Control characters and format characters (bidi overrides, zero-width joiners) make text that
// displays differently from what is stored.
const invisible = /[\p{Cc}\p{Cf}]/u;

/** NFC-normalised, trimmed text of `min..max` characters with no control or format characters. */
export function visibleText(raw: string, rule: { field: string; min?: number; max: number }): string {
  const text = raw.normalize('NFC').trim();
  const min = rule.min ?? 1;
  if (text.length < min || text.length > rule.max) {
    throw badInput(`${rule.field} must be ${min} to ${rule.max} characters`, { field: rule.field });
  }
  if (invisible.test(text)) throw badInput(`${rule.field} must not contain control characters`, { field: rule.field });
  return text;
}
