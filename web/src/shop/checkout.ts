/**
 * One idempotency key per checkout attempt: the same cart, card and address keep their key, so a
 * double click or a retry after a lost answer places one order (`placeOrder` returns the order the
 * key placed first); a changed cart, card or address, or an order placed, starts a new attempt.
 */
import type { CartLine } from './cart-state.ts';

/** The simulated processor's test tokens (subgraphs/payments/src/adapters/simulated-provider.ts). */
export const testCards = [
  { token: 'tok_visa', label: 'Visa ending 4242 (succeeds)' },
  { token: 'tok_decline', label: 'Declined card (tok_decline)' },
  { token: 'tok_insufficient_funds', label: 'Insufficient funds (tok_insufficient_funds)' },
  { token: 'tok_processing_error', label: 'Processing error (tok_processing_error)' },
  { token: 'tok_timeout', label: 'Processor timeout (tok_timeout)' },
] as const;

/** A random key (UUID v4 shape) from the browser's CSPRNG; `crypto.randomUUID` needs a secure context. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What makes an attempt the same attempt. */
export function checkoutFingerprint(lines: CartLine[], paymentMethod: string, shippingAddressId: string | undefined): string {
  const items = lines.map((l) => `${l.productId}x${l.quantity}`).join(',');
  return `${items}|${paymentMethod}|${shippingAddressId ?? ''}`;
}

/** The key of the current attempt: new when the fingerprint changes or after {@link AttemptKeys.renew}. */
export interface AttemptKeys {
  keyFor(fingerprint: string): string;
  /** The attempt is over (an order was placed): the next one gets a new key. */
  renew(): void;
}

export function createAttemptKeys(newKey: () => string = newIdempotencyKey): AttemptKeys {
  let fingerprint: string | undefined;
  let key = '';
  return {
    keyFor(next) {
      if (next !== fingerprint) {
        fingerprint = next;
        key = newKey();
      }
      return key;
    },
    renew() {
      fingerprint = undefined;
    },
  };
}
