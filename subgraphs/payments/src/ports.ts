/** The boundaries the payments use cases need besides their store: the card processor and time. */

/** A request to charge a payment method once. */
export interface ChargeRequest {
  /** The same key asked again returns the first answer and never charges twice. */
  idempotencyKey: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** The card token or saved payment method to charge, e.g. `tok_visa`. */
  paymentMethod: string;
}

/** What the processor decided: money taken (with its reference), or refused by the card's bank. */
export type ChargeDecision = { outcome: 'succeeded'; providerRef: string } | { outcome: 'declined'; reason: string };

/** A request to give back (part of) a successful charge. */
export interface RefundRequest {
  /** The same key asked again returns the first answer and never refunds twice. */
  idempotencyKey: string;
  /** The reference of the charge to refund. */
  providerRef: string;
  /** Minor units of `currency`; at most what is left of the charge. */
  amount: number;
  currency: string;
}

/** How long the caller waits for the processor before giving up with {@link ProviderUnavailable}. */
export interface ProviderCallOptions {
  timeoutMs: number;
}

/** Why the processor gave no decision: it did not answer in time, or failed while processing. */
export type ProviderFailure = 'timeout' | 'processing_error';

/**
 * The processor gave no decision; the same request may be retried with the same idempotency key.
 * After a timeout the processor may still have acted: only a retry with the same key can tell.
 */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
  constructor(
    readonly failure: ProviderFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A card processor. Implemented by the simulated processor (test tokens); a real one would sit beside it. */
export interface PaymentProvider {
  /** Recorded on each payment, e.g. `simulated`. */
  readonly name: string;
  /** Charges once per idempotency key; throws {@link ProviderUnavailable} on a timeout or processing error. */
  charge(request: ChargeRequest, options: ProviderCallOptions): Promise<ChargeDecision>;
  /** Refunds once per idempotency key; throws {@link ProviderUnavailable} on a timeout or processing error. */
  refund(request: RefundRequest, options?: ProviderCallOptions): Promise<{ providerRef: string }>;
}

/** Time as the use cases see it: what time it is, and waiting (between retries, for another caller). */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}
