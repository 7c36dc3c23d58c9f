import { describe, expect, it } from 'vitest';
import { formatLetterText } from './dead-letter-text.ts';

describe('a dead letter’s payload or error', () => {
  it('JSON is indented', () => {
    expect(formatLetterText('{"orderId":"o-1","items":[1]}')).toBe('{\n  "orderId": "o-1",\n  "items": [\n    1\n  ]\n}');
  });

  it('what is not JSON is shown as it came', () => {
    expect(formatLetterText('{not json')).toBe('{not json');
  });

  it('a huge payload is cut, saying how much is left out', () => {
    const text = formatLetterText(JSON.stringify('x'.repeat(50)), 20);
    expect(text.startsWith('"xxxxxxxxxxxxxxxxxxx')).toBe(true);
    expect(text).toMatch(/… \(32 more characters\)$/);
  });
});
