/**
 * Password hashing with scrypt (memory-hard, in node:crypto: no native addon to install).
 * Stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`, so each hash says its own cost and a cost
 * raised later applies to old hashes at their owner's next sign-in (`needsRehash`).
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../ports.ts';

export interface ScryptCost {
  /** CPU and memory cost, a power of two: one hash takes 128 * N * r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * The production cost: 2^17 * 8 * 128 B = 128 MiB and about 0.4 s of one core per hash. Hashes run on
 * libuv's thread pool (4 threads by default), so a busy auth process holds up to 512 MiB for them.
 */
export const defaultScryptCost: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const scrypt = (password: string, salt: Buffer, keylen: number, cost: ScryptCost) =>
  new Promise<Buffer>((resolve, reject) =>
    // node:crypto refuses more than `maxmem` (32 MiB by default): allow what this cost needs, with room.
    scryptCallback(password, salt, keylen, { ...cost, maxmem: 2 * 128 * cost.N * cost.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

const parse = (stored: string) => {
  const [kind, N, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return null;
  return {
    cost: { N: Number(N), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  };
};

/** Hashes and checks passwords at `cost` (tests of flows pass a cheaper one; production the default). */
export function createPasswordHasher(cost: ScryptCost = defaultScryptCost): PasswordHasher {
  async function hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scrypt(password, salt, 32, cost);
    return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async function verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    return timingSafeEqual(await scrypt(password, parsed.salt, parsed.hash.length, parsed.cost), parsed.hash);
  }

  // A hash of a random password, made on first use: unknown emails are checked against it, so they
  // take as long as known ones.
  let decoy: Promise<string> | undefined;

  return {
    hash,
    verify,
    /** Checks `password` against the decoy hash: the same work as a real check, for no account. */
    async verifyDecoy(password: string): Promise<void> {
      decoy ??= hash(randomBytes(16).toString('hex'));
      await verify(password, await decoy);
    },
    /** True when `stored` was made at a lower cost than this hasher's (rehash it at the next sign-in). */
    needsRehash(stored: string): boolean {
      const parsed = parse(stored);
      return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
    },
  };
}
