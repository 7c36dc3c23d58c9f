/** The boundaries the payments use cases need: their store, the card processor and time. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainEvent } from '#kit/events';
import type { ChangeEffects, HandledEvent } from '#kit/outbox';
import type {
  AttemptOutcome,
  AttemptRecord,
  Charge,
  Payment,
  PaymentAttempt,
  PaymentStatus,
  Settlement,
} from './domain/payment.ts';
import type { Refund, RefundDecision, RefundedStatus } from './domain/refund.ts';

/** What seeding passes to {@link PaymentStore.savePayment}. */
export interface PaymentSeed {
  id: string;
  orderId: string;
  payerId: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** Defaults to PENDING on creation. */
  status?: PaymentStatus;
  provider: string;
  /** The provider's charge reference (a SUCCEEDED payment needs one to be refundable). */
  providerRef?: string | null;
  failureReason?: string | null;
  /** Defaults to now on creation; never changed by a later save. */
  createdAt?: Date;
}

/** What seeding passes to {@link PaymentStore.addAttempt}. */
export interface AttemptSeed {
  /** Given: adding the same attempt again changes nothing. Omitted: a new attempt every call. */
  id?: string;
  paymentId: string;
  succeeded: boolean;
  /** Defaults to SUCCEEDED for a successful attempt and DECLINED otherwise. */
  outcome?: AttemptOutcome;
  failureReason?: string | null;
  providerRef?: string | null;
  /** Defaults to now. */
  at?: Date;
}

/** Payments, their attempts and refunds (implemented by adapters/payment-store.ts). */
export interface PaymentStore {
  /** Payments by id, in no particular order: one SQL statement whatever the number of ids. */
  byIds(ids: readonly string[]): Promise<Payment[]>;
  /** The payments of orders (at most one each), in no particular order: one SQL statement. */
  byOrderIds(orderIds: readonly string[]): Promise<Payment[]>;
  /** The attempts of payments, oldest first: one SQL statement. */
  attemptsOf(paymentIds: readonly string[]): Promise<PaymentAttempt[]>;
  /** The most recent attempt of a payment, if any. */
  lastAttempt(paymentId: string): Promise<PaymentAttempt | null>;

  /**
   * The order's payment, created PENDING when it has none (concurrent callers all get the same
   * one); an existing payment as it is, whatever its status. With `claimUntil`, a payment this call
   * creates is created claimed by it until then (see {@link claimCharge}); `claimed` says whether.
   */
  openCharge(charge: Charge, provider: string, claimUntil?: Date): Promise<{ payment: Payment; claimed: boolean }>;
  /**
   * Makes this caller the one that talks to the provider for a PENDING payment until `until`.
   * False when the payment is settled or another caller's lease has not passed `now` yet.
   */
  claimCharge(paymentId: string, now: Date, until: Date): Promise<boolean>;
  /** Gives up a claim without settling (the provider call failed unexpectedly): another caller may go on. */
  releaseCharge(paymentId: string): Promise<void>;
  /** Records one call to the provider for a payment. */
  recordAttempt(paymentId: string, attempt: AttemptRecord): Promise<PaymentAttempt>;
  /**
   * Records the last attempt and ends the PENDING payment with `settlement`, with `effects` when
   * this call ends it. `settled` is false when it was no longer PENDING (another caller settled it
   * first); `payment` is then that caller's result. `effects.announce` is given the payment as the
   * settlement leaves it.
   */
  settleCharge(
    pending: Payment,
    attempt: AttemptRecord,
    settlement: Settlement,
    effects?: ChangeEffects<Payment>,
  ): Promise<{ payment: Payment; settled: boolean }>;

  /**
   * Reserves a refund of a payment under `idempotencyKey`, or finds the refund already made under it.
   * New refunds are decided under a lock on the payment: `decide` gets the payment and what its
   * refunds already take, and returns the amount (or throws). Null when the payment does not exist.
   */
  reserveRefund(
    paymentId: string,
    idempotencyKey: string,
    decide: RefundDecision,
  ): Promise<{ payment: Payment; refund: Refund } | null>;
  /**
   * Marks a PENDING refund SUCCEEDED and moves its payment to the status `statusFor` gives for the
   * new refunded total, with `effects`, in one transaction. A refund already SUCCEEDED is returned
   * unchanged, and `effects` are not written.
   */
  completeRefund(
    refundId: string,
    providerRef: string,
    statusFor: RefundedStatus,
    effects?: ChangeEffects<{ payment: Payment; refund: Refund }>,
  ): Promise<{ payment: Payment; refund: Refund }>;
  /** The refunds of a payment, oldest first. */
  refundsOf(paymentId: string): Promise<Refund[]>;
  /** The refunds of many payments, each payment's oldest first: one SQL statement. */
  refundsOfPayments(paymentIds: readonly string[]): Promise<Refund[]>;

  /** Whether a bus event was recorded as handled (by a change's effects or {@link recordHandled}). */
  wasHandled(event: Pick<DomainEvent, 'id'>): Promise<boolean>;
  /** Records a bus event that called for no change as handled; false when it already was. */
  recordHandled(event: HandledEvent): Promise<boolean>;

  /** Inserts or replaces a payment (demo data, admin tooling); no status rules apply here. */
  savePayment(seed: PaymentSeed): Promise<void>;
  /** Records an attempt to charge a payment (demo data); idempotent when `id` is given. */
  addAttempt(seed: AttemptSeed): Promise<PaymentAttempt>;
}

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

/** The machine's clock: the {@link Clock} the services run with (tests may pass their own). */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
};
