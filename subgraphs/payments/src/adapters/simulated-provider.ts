/**
 * The simulated card processor: what the platform charges through when no real processor is
 * configured. It behaves like a real processor's test mode (a product feature, not a mock): test
 * tokens pick the answer, answers take time, and every request is idempotent by its key.
 *
 *   tok_visa                 succeeds
 *   tok_decline              declined: "The card was declined"
 *   tok_insufficient_funds   declined: "Insufficient funds"
 *   tok_processing_error     fails while processing (no decision; retrying is safe)
 *   tok_timeout              answers only after `timeoutDelayMs`, beyond any caller's timeout, and takes no money
 *   anything else            declined: "Unknown payment method"
 *
 * Its ledger (charges and refunds) lives in memory, or — with `ledgerFile` — in a file of JSON lines
 * that outlives the payments process and is shared by its replicas, as a real processor's records
 * outlive its clients: a charge made before a crash can be refunded after it.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProviderUnavailable,
  type ChargeDecision,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderCallOptions,
  type RefundRequest,
} from '../ports.ts';

/** The test tokens and what each does. */
export const testTokens = {
  tok_visa: 'succeeds',
  tok_decline: 'declined: The card was declined',
  tok_insufficient_funds: 'declined: Insufficient funds',
  tok_processing_error: 'fails with a processing error',
  tok_timeout: 'does not answer in time',
} as const;

export interface SimulatedProviderOptions {
  /** How long the processor takes to answer a request. Default 5 ms. */
  latencyMs?: number;
  /** How long `tok_timeout` keeps the caller waiting before the processor gives up itself. Default 30 s. */
  timeoutDelayMs?: number;
  /** The caller's timeout when a refund is asked without one. Default 10 s. */
  defaultTimeoutMs?: number;
  /** A file that keeps the ledger across processes (JSON lines, appended); in memory when absent. */
  ledgerFile?: string;
}

type LedgerLine = ({ kind: 'charge' } & LedgerCharge) | ({ kind: 'refund' } & LedgerRefund);

/**
 * The ledger's lasting copy: every decision appended to `file` before it is answered; `readNew`
 * returns the lines appended since its last call (by another process, or by this one before a
 * restart), so catching up costs what was added, not the whole file.
 */
function ledgerFileStore(file: string | undefined) {
  if (file) mkdirSync(dirname(file), { recursive: true });
  let offset = 0;
  return {
    append(line: LedgerLine) {
      if (file) appendFileSync(file, `${JSON.stringify(line)}\n`);
    },
    readNew(): LedgerLine[] {
      if (!file || !existsSync(file)) return [];
      const size = statSync(file).size;
      if (size <= offset) return [];
      const fd = openSync(file, 'r');
      const chunk = Buffer.alloc(size - offset);
      try {
        readSync(fd, chunk, 0, chunk.length, offset);
      } finally {
        closeSync(fd);
      }
      // Up to the last whole line: another process may be appending the next one right now.
      const complete = chunk.lastIndexOf(0x0a) + 1;
      offset += complete;
      return chunk
        .subarray(0, complete)
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => {
          const line = JSON.parse(text) as LedgerLine;
          return { ...line, at: new Date(line.at) };
        });
    },
  };
}

/** A charge the processor decided (declined ones included: a real processor keeps those too). */
export interface LedgerCharge {
  idempotencyKey: string;
  /** `ch_sim_…` for a successful charge; null for a decline. */
  providerRef: string | null;
  outcome: 'succeeded' | 'declined';
  reason: string | null;
  amount: number;
  currency: string;
  paymentMethod: string;
  /** Minor units refunded so far. */
  refunded: number;
  at: Date;
}

/** A refund the processor made. */
export interface LedgerRefund {
  idempotencyKey: string;
  /** `re_sim_…` */
  providerRef: string;
  chargeRef: string;
  amount: number;
  currency: string;
  at: Date;
}

export interface SimulatedProvider extends PaymentProvider {
  /** Every charge decided so far, oldest first (copies): count `outcome === 'succeeded'` for money taken. */
  ledger(): LedgerCharge[];
  /** Every refund made so far, oldest first (copies). */
  refunds(): LedgerRefund[];
}

const declines: Record<string, string> = {
  tok_decline: 'The card was declined',
  tok_insufficient_funds: 'Insufficient funds',
};

const reference = (prefix: string) => `${prefix}_sim_${randomBytes(12).toString('hex')}`;

/**
 * Waits for the processor's answer at most `timeoutMs`. The processor keeps working after the caller
 * gives up, as a real one does: its outcome is kept under the idempotency key for the retry.
 */
function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ProviderUnavailable('timeout', `The card processor did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// A replayed key must carry the request it was first used with, as real processors insist: a key
// reused for another amount is a bug in the caller, never a second charge.
function assertSameRequest(first: object, again: Record<string, unknown>, key: string): void {
  const differs = Object.keys(again).some((field) => (first as Record<string, unknown>)[field] !== again[field]);
  if (differs) {
    throw new Error(`Idempotency key ${key} was first used with other parameters; use a new key for a new request`);
  }
}

/** A simulated card processor with an in-memory ledger (one per process, like a test-mode account). */
export function createSimulatedProvider(options: SimulatedProviderOptions = {}): SimulatedProvider {
  const latencyMs = options.latencyMs ?? 5;
  const timeoutDelayMs = options.timeoutDelayMs ?? 30_000;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
  const charges = new Map<string, LedgerCharge>();
  const refunds = new Map<string, LedgerRefund>();
  const lasting = ledgerFileStore(options.ledgerFile);
  const chargesByRef = new Map<string, LedgerCharge>();
  const record = {
    charge(charge: LedgerCharge) {
      charges.set(charge.idempotencyKey, charge);
      if (charge.providerRef) chargesByRef.set(charge.providerRef, charge);
    },
    refund(refund: LedgerRefund) {
      refunds.set(refund.idempotencyKey, refund);
      const charge = chargesByRef.get(refund.chargeRef);
      if (charge) charge.refunded += refund.amount;
    },
  };
  /** Takes in what other processes (or this one, before a restart) decided since the last look. */
  function catchUp() {
    for (const { kind, ...entry } of lasting.readNew()) {
      if (kind === 'charge' && !charges.has(entry.idempotencyKey)) record.charge({ ...(entry as LedgerCharge), refunded: 0 });
      if (kind === 'refund' && !refunds.has(entry.idempotencyKey)) record.refund(entry as LedgerRefund);
    }
  }
  catchUp();
  // Requests still being processed, by key: a second request with the key waits for the first.
  const inFlight = new Map<string, { fields: Record<string, unknown>; answer: Promise<unknown> }>();

  // The processor's own clock: unref'd so a request the caller gave up on never holds the process open.
  const processing = (ms: number) => sleep(ms, undefined, { ref: false });

  /**
   * Runs `work` once per key at a time: a request arriving while the same key is processed waits for
   * that answer. A failure is not kept, so a retry is processed afresh.
   */
  function once<T>(key: string, fields: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    const running = inFlight.get(key);
    if (running) {
      assertSameRequest(running.fields, fields, key);
      return running.answer as Promise<T>;
    }
    const answer = work().finally(() => inFlight.delete(key));
    // Nobody may be waiting any more (the caller timed out): the failure is then the processor's alone.
    answer.catch(() => undefined);
    inFlight.set(key, { fields, answer });
    return answer;
  }

  const decisionOf = (charge: LedgerCharge): ChargeDecision =>
    charge.outcome === 'succeeded'
      ? { outcome: 'succeeded', providerRef: charge.providerRef! }
      : { outcome: 'declined', reason: charge.reason! };

  async function processCharge(request: ChargeRequest): Promise<ChargeDecision> {
    if (request.paymentMethod === 'tok_timeout') {
      await processing(timeoutDelayMs);
      throw new ProviderUnavailable('timeout', 'The card processor timed out before reaching the card network');
    }
    await processing(latencyMs);
    if (request.paymentMethod === 'tok_processing_error') {
      throw new ProviderUnavailable('processing_error', 'An error occurred while processing the card; try again');
    }
    const reason = request.paymentMethod === 'tok_visa' ? null : (declines[request.paymentMethod] ?? 'Unknown payment method');
    const charge: LedgerCharge = {
      idempotencyKey: request.idempotencyKey,
      providerRef: reason === null ? reference('ch') : null,
      outcome: reason === null ? 'succeeded' : 'declined',
      reason,
      amount: request.amount,
      currency: request.currency,
      paymentMethod: request.paymentMethod,
      refunded: 0,
      at: new Date(),
    };
    lasting.append({ kind: 'charge', ...charge });
    record.charge(charge);
    return decisionOf(charge);
  }

  async function processRefund(request: RefundRequest): Promise<{ providerRef: string }> {
    await processing(latencyMs);
    if (!chargesByRef.has(request.providerRef)) catchUp();
    const charge = chargesByRef.get(request.providerRef);
    if (!charge) throw new Error(`No successful charge ${request.providerRef} to refund`);
    if (charge.currency !== request.currency) {
      throw new Error(`Charge ${request.providerRef} is in ${charge.currency}, not ${request.currency}`);
    }
    if (!Number.isInteger(request.amount) || request.amount <= 0 || request.amount > charge.amount - charge.refunded) {
      throw new Error(`A refund of ${request.amount} exceeds what is left of charge ${request.providerRef}`);
    }
    const refund: LedgerRefund = {
      idempotencyKey: request.idempotencyKey,
      providerRef: reference('re'),
      chargeRef: request.providerRef,
      amount: request.amount,
      currency: request.currency,
      at: new Date(),
    };
    lasting.append({ kind: 'refund', ...refund });
    record.refund(refund);
    return { providerRef: refund.providerRef };
  }

  return {
    name: 'simulated',

    async charge(request: ChargeRequest, { timeoutMs }: ProviderCallOptions): Promise<ChargeDecision> {
      const { idempotencyKey: key, amount, currency, paymentMethod } = request;
      if (!charges.has(key)) catchUp();
      const decided = charges.get(key);
      if (decided) {
        assertSameRequest(decided, { amount, currency, paymentMethod }, key);
        return withinTimeout(
          processing(latencyMs).then(() => decisionOf(decided)),
          timeoutMs,
        );
      }
      return withinTimeout(
        once(`charge:${key}`, { amount, currency, paymentMethod }, () => processCharge({ ...request })),
        timeoutMs,
      );
    },

    async refund(request: RefundRequest, call?: ProviderCallOptions): Promise<{ providerRef: string }> {
      const { idempotencyKey: key, providerRef, amount, currency } = request;
      const timeoutMs = call?.timeoutMs ?? defaultTimeoutMs;
      if (!refunds.has(key)) catchUp();
      const made = refunds.get(key);
      if (made) {
        assertSameRequest({ ...made, providerRef: made.chargeRef }, { providerRef, amount, currency }, key);
        return withinTimeout(
          processing(latencyMs).then(() => ({ providerRef: made.providerRef })),
          timeoutMs,
        );
      }
      return withinTimeout(
        once(`refund:${key}`, { providerRef, amount, currency }, () => processRefund({ ...request })),
        timeoutMs,
      );
    },

    ledger: () => [...charges.values()].map((charge) => ({ ...charge })),
    refunds: () => [...refunds.values()].map((refund) => ({ ...refund })),
  };
}
