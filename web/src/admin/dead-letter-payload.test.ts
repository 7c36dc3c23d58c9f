import { describe, expect, it } from 'vitest';
import { formatPayload } from './dead-letter-payload.ts';

describe('a dead letter’s payload', () => {
  it('JSON is indented', () => {
    expect(formatPayload('{"orderId":"o-1","items":[1]}')).toBe('{\n  "orderId": "o-1",\n  "items": [\n    1\n  ]\n}');
  });

  it('what is not JSON is shown as it came', () => {
    expect(formatPayload('{not json')).toBe('{not json');
  });

  it('a huge payload is cut, saying how much is left out', () => {
    const text = formatPayload(JSON.stringify('x'.repeat(50)), 20);
    expect(text.startsWith('"xxxxxxxxxxxxxxxxxxx')).toBe(true);
    expect(text).toMatch(/… \(32 more characters\)$/);
  });
});
