/**
 * `npm run bench saga` — orders placed through the router at a fixed rate, each followed to CONFIRMED
 * on the order.updated stream (see run.ts).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { postGraphQL } from '#kit/testing';
import { createProductWithStock, mintAccessTokens } from '../stack/src/test-stack.ts';
import { pct } from './processes.ts';
import { cpuSnapshot, eventsNamespace, redisUrl, seconds, startServices } from './services.ts';

/**
 * saga: an open-loop load (a new order every 1/rate s, whatever the answers) so a saga slower than
 * the rate shows as growing latency instead of hiding behind fewer requests.
 */
export async function sagaScenario() {
  // BENCH_RATE=40,80,200 measures each rate in turn on the same services.
  const rates = (process.env.BENCH_RATE ?? '200').split(',').map(Number);
  const { routerUrl, urls } = await startServices();
  const [admin] = await mintAccessTokens(urls.auth, 1, ['CUSTOMER', 'ADMIN']);
  const buyers = await mintAccessTokens(urls.auth, 500);
  const post = (query: string, variables: Record<string, unknown>, token: string) =>
    postGraphQL<Record<string, any>>(routerUrl, query, { token, variables });
  const productId = await createProductWithStock(routerUrl, admin!.token, {
    name: 'Bench lamp',
    units: 1_000_000,
    priceAmount: 1990,
    skuPrefix: 'BENCH',
    reason: 'bench intake',
  });

  // Follow every order to its final state on the order.updated stream (as a subscriber would).
  const finished = new Map<string, { at: number; status: string }>();
  const reader = new Redis(redisUrl);
  let reading = true;
  const follow = (async () => {
    let last = '$';
    while (reading) {
      const batch = (await reader.xread(
        'COUNT',
        1000,
        'BLOCK',
        200,
        'STREAMS',
        `${eventsNamespace}:events:order.updated`,
        last,
      )) as [string, [string, string[]][]][] | null;
      const at = performance.now();
      for (const [id, fields] of batch?.[0]?.[1] ?? []) {
        last = id;
        const { payload } = JSON.parse(fields[1]!) as { payload: { orderId: string; status: string } };
        if (payload.status === 'CONFIRMED' || payload.status === 'CANCELLED')
          finished.set(payload.orderId, { at, status: payload.status });
      }
    }
  })();

  const placeOrder =
    'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }';
  const sent = new Map<string, number>();
  const answerMs: number[] = [];
  let failures = 0;
  const place = async (i: number) => {
    const started = performance.now();
    const result = await post(
      placeOrder,
      { input: { items: [{ productId, quantity: 1 }], paymentMethod: 'tok_visa' }, key: randomUUID() },
      buyers[i % buyers.length]!.token,
    );
    answerMs.push(performance.now() - started);
    const id = result.body.data?.placeOrder?.id as string | undefined;
    if (id) sent.set(id, started);
    else failures += 1;
  };

  const runAt = async (rate: number, count: number) => {
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(place(i));
    }
    await Promise.all(inFlight);
  };

  console.log(`scenario saga: placeOrder through the router, open loop, ${seconds} s per rate (+ 3 s warm-up), 1 unit, tok_visa`);
  await runAt(rates[0]!, rates[0]! * 3); // warm-up: JIT, pools, token caches
  for (const rate of rates) {
    sent.clear();
    answerMs.length = 0;
    failures = 0;
    const cpuBefore = cpuSnapshot();
    const loadStart = performance.now();
    await runAt(rate, rate * seconds);
    const measured = [...sent];
    const deadline = performance.now() + 60_000;
    while (measured.some(([id]) => !finished.has(id)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const cpuAfter = cpuSnapshot();

    const latencies = measured
      .filter(([id]) => finished.get(id)?.status === 'CONFIRMED')
      .map(([id, at]) => finished.get(id)!.at - at)
      .sort((a, b) => a - b);
    const lastConfirmed = Math.max(...measured.map(([id]) => finished.get(id)?.at ?? 0));
    const answers = [...answerMs].sort((a, b) => a - b);
    console.log(
      `offered ${String(rate).padStart(4)}/s: placed ${measured.length} (+${failures} failed), confirmed ${latencies.length}; ` +
        `${((latencies.length * 1000) / (lastConfirmed - loadStart)).toFixed(0)} orders/s to CONFIRMED; ` +
        `placeOrder -> CONFIRMED p50 ${pct(latencies, 50).toFixed(0)} ms p99 ${pct(latencies, 99).toFixed(0)} ms; ` +
        `placeOrder answer p50 ${pct(answers, 50).toFixed(0)} ms p99 ${pct(answers, 99).toFixed(0)} ms`,
    );
    console.log(
      `  CPU ms per order: ${[...cpuAfter]
        .filter(([name]) => name !== 'plain-gateway')
        .map(([name, cpu]) => `${name} ${(((cpu - cpuBefore.get(name)!) * 1000) / measured.length).toFixed(1)}`)
        .join(', ')}`,
    );
  }
  reading = false;
  await follow;
  reader.disconnect();
}
