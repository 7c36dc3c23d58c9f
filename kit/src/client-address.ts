/**
 * Who a request is for: the peer, or — when the peer is a trusted proxy (the router, a load
 * balancer) — the client it names in `x-forwarded-for`. Per-address abuse limits key on this.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Which peers may name the client in `x-forwarded-for` (see {@link trustedProxies}). */
export interface TrustedProxies {
  has(address: string): boolean;
}

/**
 * Compiles proxy addresses and CIDR ranges — IPv4 (`10.0.0.0/8`), IPv6 (`fd00::/8`) and IPv4-mapped
 * IPv6 (`::ffff:10.0.0.0/104`, the same hosts as `10.0.0.0/8`) — into a matcher. Either form of a
 * mapped address matches either form of an entry, since a peer's address reads `::ffff:10.0.0.5` or
 * `10.0.0.5` depending on the socket the server listens on. Throws, naming the entry, on anything
 * else: a setting with a typo must stop the start, not trust nobody (or everybody) quietly.
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const ranges = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || rest.length > 0 || !(length >= 0 && length <= bits)) {
      throw new Error(
        `'${entry}' is not an IP address or CIDR range (like 10.0.0.5, 10.0.0.0/8, fd00::/8 or ::ffff:10.0.0.0/104)`,
      );
    }
    ranges.addSubnet(address, length, family === 4 ? 'ipv4' : 'ipv6');
  }
  return {
    has(address) {
      const family = isIP(address);
      return family !== 0 && ranges.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Loopback only: the router on the same machine (the subgraphs' default). */
export const loopbackProxies = trustedProxies(['127.0.0.0/8', '::1/128']);

/** `::ffff:a.b.c.d` as `a.b.c.d`: one client, one counter, whichever socket saw it. */
const unmapped = (address: string) =>
  address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

/**
 * The address of the client a request is for. A peer in `trusted` (the router, a load balancer) may
 * say who sent it the request, through the last `x-forwarded-for` entry; while that one is a trusted
 * proxy too, the entry before it is read, and so on. The first address not trusted is the client.
 * Anyone else is the client themselves, whatever their header says. An entry that is not an IP
 * address stops the walk at the proxy that wrote it. IPv4-mapped addresses come back as IPv4.
 */
export function clientAddressOf(req: IncomingMessage, trusted: TrustedProxies = loopbackProxies): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded !== 'string') return address;
  const hops = forwarded.split(',');
  while (hops.length > 0 && trusted.has(address)) {
    const named = hops.pop()!.trim();
    if (isIP(named) === 0) break;
    address = named;
  }
  return unmapped(address);
}
