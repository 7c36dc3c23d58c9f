import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProviderUnavailable } from '../ports.ts';
import { createSimulatedProvider } from './simulated-provider.ts';

const call = { timeoutMs: 1000 };
let keys = 0;
const charge = (paymentMethod: string, extra: { idempotencyKey?: string; amount?: number } = {}) => ({
  idempotencyKey: extra.idempotencyKey ?? `charge:test-${(keys += 1)}`,
  amount: extra.amount ?? 2500,
  currency: 'EUR',
  paymentMethod,
});
const succeeded = (provider: ReturnType<typeof createSimulatedProvider>) =>
  provider.ledger().filter((c) => c.outcome === 'succeeded');

describe('simulated card processor: test tokens', () => {
  it('tok_visa is charged and gets a charge reference', async () => {
    const provider = createSimulatedProvider();
    const decision = await provider.charge(charge('tok_visa'), call);
    expect(decision).toEqual({ outcome: 'succeeded', providerRef: expect.stringMatching(/^ch_sim_[0-9a-f]{24}$/) });
    expect(provider.ledger()).toEqual([
      expect.objectContaining({ outcome: 'succeeded', amount: 2500, currency: 'EUR', paymentMethod: 'tok_visa', refunded: 0 }),
    ]);
  });

  it.each([
    ['tok_decline', 'The card was declined'],
    ['tok_insufficient_funds', 'Insufficient funds'],
    ['tok_stolen_moon_rock', 'Unknown payment method'],
  ])('%s is declined: %s', async (token, reason) => {
    const provider = createSimulatedProvider();
    expect(await provider.charge(charge(token), call)).toEqual({ outcome: 'declined', reason });
    expect(provider.ledger()).toEqual([expect.objectContaining({ outcome: 'declined', reason, providerRef: null })]);
    expect(succeeded(provider)).toHaveLength(0);
  });

  it('tok_processing_error fails with a retryable processing error and takes no money', async () => {
    const provider = createSimulatedProvider();
    const request = charge('tok_processing_error');
    const failure = await provider.charge(request, call).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderUnavailable);
    expect(failure).toMatchObject({ failure: 'processing_error' });
    // Not remembered under the key: the retry is processed again (and fails again, like the card).
    await expect(provider.charge(request, call)).rejects.toMatchObject({ failure: 'processing_error' });
    expect(provider.ledger()).toEqual([]);
  });

  it('tok_timeout makes the caller give up after its own timeout, and never takes money', async () => {
    const provider = createSimulatedProvider({ timeoutDelayMs: 200 });
    const started = performance.now();
    const failure = await provider.charge(charge('tok_timeout'), { timeoutMs: 50 }).catch((error: unknown) => error);
    const waited = performance.now() - started;
    expect(failure).toBeInstanceOf(ProviderUnavailable);
    expect(failure).toMatchObject({ failure: 'timeout', message: 'The card processor did not answer within 50 ms' });
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(190);
    await sleep(250); // past the processor's own delay
    expect(provider.ledger()).toEqual([]);
  });

  it('tok_timeout with a caller more patient than the processor ends in the processor timing out', async () => {
    const provider = createSimulatedProvider({ timeoutDelayMs: 30 });
    await expect(provider.charge(charge('tok_timeout'), { timeoutMs: 1000 })).rejects.toMatchObject({
      failure: 'timeout',
      message: 'The card processor timed out before reaching the card network',
    });
  });

  it('answers take the configured latency', async () => {
    const provider = createSimulatedProvider({ latencyMs: 60 });
    const started = performance.now();
    await provider.charge(charge('tok_visa'), call);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('refuses a timeout that is not a positive number', async () => {
    const provider = createSimulatedProvider();
    await expect(provider.charge(charge('tok_visa'), { timeoutMs: 0 })).rejects.toThrow(RangeError);
    expect(provider.ledger()).toEqual([]);
  });
});

describe('simulated card processor: idempotency', () => {
  it('the same key charged twice returns the first answer and charges once', async () => {
    const provider = createSimulatedProvider();
    const request = charge('tok_visa');
    const first = await provider.charge(request, call);
    const second = await provider.charge(request, call);
    expect(second).toEqual(first);
    expect(provider.ledger()).toHaveLength(1);
  });

  it('a declined key stays declined', async () => {
    const provider = createSimulatedProvider();
    const request = charge('tok_decline');
    await provider.charge(request, call);
    expect(await provider.charge(request, call)).toEqual({ outcome: 'declined', reason: 'The card was declined' });
    expect(provider.ledger()).toHaveLength(1);
  });

  it('five concurrent requests with one key charge once and all get the same reference', async () => {
    const provider = createSimulatedProvider({ latencyMs: 20 });
    const request = charge('tok_visa');
    const decisions = await Promise.all(Array.from({ length: 5 }, () => provider.charge(request, call)));
    expect(new Set(decisions.map((d) => (d.outcome === 'succeeded' ? d.providerRef : d.reason))).size).toBe(1);
    expect(succeeded(provider)).toHaveLength(1);
  });

  it('a charge the caller stopped waiting for still happens, once, and the retry with its key finds it', async () => {
    const provider = createSimulatedProvider({ latencyMs: 80 });
    const request = charge('tok_visa');
    await expect(provider.charge(request, { timeoutMs: 20 })).rejects.toMatchObject({ failure: 'timeout' });
    const retried = await provider.charge(request, { timeoutMs: 1000 });
    expect(retried.outcome).toBe('succeeded');
    expect(succeeded(provider)).toEqual([
      expect.objectContaining({ providerRef: (retried as { providerRef: string }).providerRef }),
    ]);
  });

  it('a key reused for another amount is refused instead of charging again', async () => {
    const provider = createSimulatedProvider();
    const request = charge('tok_visa');
    await provider.charge(request, call);
    await expect(provider.charge({ ...request, amount: 9999 }, call)).rejects.toThrow(/first used with other parameters/);
    expect(provider.ledger()).toHaveLength(1);
  });
});

describe('simulated card processor: refunds', () => {
  async function charged(amount = 1000) {
    const provider = createSimulatedProvider();
    const decision = await provider.charge(charge('tok_visa', { amount }), call);
    if (decision.outcome !== 'succeeded') throw new Error('tok_visa must succeed');
    return { provider, providerRef: decision.providerRef };
  }

  it('refunds in parts up to the charge, each with its own reference', async () => {
    const { provider, providerRef } = await charged(1000);
    const first = await provider.refund({ idempotencyKey: 'r1', providerRef, amount: 400, currency: 'EUR' });
    const second = await provider.refund({ idempotencyKey: 'r2', providerRef, amount: 600, currency: 'EUR' });
    expect(first.providerRef).toMatch(/^re_sim_/);
    expect(second.providerRef).not.toBe(first.providerRef);
    expect(provider.ledger()[0]?.refunded).toBe(1000);
    expect(provider.refunds().map((r) => [r.chargeRef, r.amount])).toEqual([
      [providerRef, 400],
      [providerRef, 600],
    ]);
  });

  it('the same refund key twice refunds once', async () => {
    const { provider, providerRef } = await charged();
    const request = { idempotencyKey: 'r1', providerRef, amount: 300, currency: 'EUR' };
    const [a, b] = await Promise.all([provider.refund(request), provider.refund(request)]);
    const c = await provider.refund(request);
    expect(new Set([a.providerRef, b.providerRef, c.providerRef]).size).toBe(1);
    expect(provider.refunds()).toHaveLength(1);
    expect(provider.ledger()[0]?.refunded).toBe(300);
  });

  it('refuses to refund more than is left, an unknown charge, or another currency', async () => {
    const { provider, providerRef } = await charged(1000);
    await provider.refund({ idempotencyKey: 'r1', providerRef, amount: 700, currency: 'EUR' });
    await expect(provider.refund({ idempotencyKey: 'r2', providerRef, amount: 301, currency: 'EUR' })).rejects.toThrow(
      /exceeds what is left/,
    );
    await expect(
      provider.refund({ idempotencyKey: 'r3', providerRef: 'ch_sim_nope', amount: 1, currency: 'EUR' }),
    ).rejects.toThrow(/No successful charge/);
    await expect(provider.refund({ idempotencyKey: 'r4', providerRef, amount: 1, currency: 'USD' })).rejects.toThrow(/not USD/);
    expect(provider.ledger()[0]?.refunded).toBe(700);
  });
});

describe('simulated card processor: a ledger that outlives the process', () => {
  it('with a ledger file, a charge made before a restart is refunded after it, once, and replays answer the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-sim-'));
    const ledgerFile = join(dir, 'nested', 'ledger.jsonl');
    try {
      const before = createSimulatedProvider({ latencyMs: 1, ledgerFile });
      const request = charge('tok_visa');
      const charged = await before.charge(request, call);
      if (charged.outcome !== 'succeeded') throw new Error('expected a charge');

      // The payments process died; a new one (or another replica) talks to the same processor.
      const after = createSimulatedProvider({ latencyMs: 1, ledgerFile });
      expect(await after.charge(request, call)).toEqual(charged); // the same key: the first answer, no second charge
      const refund = { idempotencyKey: 'refund:1', providerRef: charged.providerRef, amount: 2500, currency: 'EUR' };
      const refunded = await after.refund(refund, call);
      expect(await createSimulatedProvider({ latencyMs: 1, ledgerFile }).refund(refund, call)).toEqual(refunded);
      await expect(after.refund({ ...refund, idempotencyKey: 'refund:2', amount: 1 }, call)).rejects.toThrow(/exceeds/);
      expect(succeeded(after)).toHaveLength(1);
      expect(after.refunds()).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
