import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, loopbackProxies, trustedProxies } from './client-address.js';
import { readSubgraphConfig } from './config.js';

/** A request as the server sees it: the peer's address and the header it sent. */
const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as IncomingMessage;

describe('client address behind trusted proxies', () => {
  it('a peer inside a trusted IPv4 range names the client; a peer outside it is the client, whatever it sends', () => {
    const compose = trustedProxies(['172.28.1.0/24']);
    expect(clientAddressOf(request('172.28.1.17', '203.0.113.9'), compose)).toBe('203.0.113.9');
    expect(clientAddressOf(request('172.28.2.17', '203.0.113.9'), compose)).toBe('172.28.2.17');
    expect(clientAddressOf(request('172.28.1.17'), compose)).toBe('172.28.1.17');
  });

  it('IPv6 ranges match, and IPv4-mapped addresses match either form of an entry', () => {
    expect(clientAddressOf(request('fd00:1::7', '2001:db8::1'), trustedProxies(['fd00::/8']))).toBe('2001:db8::1');
    expect(clientAddressOf(request('fe80::7', '2001:db8::1'), trustedProxies(['fd00::/8']))).toBe('fe80::7');
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    expect(clientAddressOf(request('::ffff:10.1.2.3', '203.0.113.9'), trustedProxies(['10.0.0.0/8']))).toBe('203.0.113.9');
    expect(clientAddressOf(request('10.1.2.3', '203.0.113.9'), trustedProxies(['::ffff:10.0.0.0/104']))).toBe('203.0.113.9');
    // An untrusted peer is the client, as IPv4 whichever socket saw it (one client, one counter).
    expect(clientAddressOf(request('::ffff:11.1.2.3', '203.0.113.9'), trustedProxies(['10.0.0.0/8']))).toBe('11.1.2.3');
    expect(clientAddressOf(request('10.1.2.3', '::ffff:203.0.113.9'), trustedProxies(['10.0.0.0/8']))).toBe('203.0.113.9');
  });

  it('a chain of trusted proxies is read back to the first address not trusted; what the client wrote before it is ignored', () => {
    const proxies = trustedProxies(['10.0.0.0/8', '172.28.1.0/24']);
    // load balancer 10.0.0.2 saw the client 198.51.100.4, which had written a made-up 10.0.0.99 itself.
    const req = request('172.28.1.5', '10.0.0.99, 198.51.100.4, 10.0.0.2');
    expect(clientAddressOf(req, proxies)).toBe('198.51.100.4');
    // An entry that is not an address stops the walk at the proxy that wrote it.
    expect(clientAddressOf(request('172.28.1.5', 'unknown'), proxies)).toBe('172.28.1.5');
  });

  it('loopback is trusted by default, in all its forms', () => {
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(clientAddressOf(request(peer, '203.0.113.9'), loopbackProxies)).toBe('203.0.113.9');
    }
  });

  it.each(['10.0.0.0/33', '10.0.0.300', 'router', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/-1'])(
    'the entry %s is refused with its name in the message',
    (entry) => {
      expect(() => trustedProxies(['127.0.0.1', entry])).toThrow(`'${entry}' is not an IP address or CIDR range`);
    },
  );

  it('a bad TRUSTED_PROXIES entry stops a subgraph at start, naming the variable and the entry', () => {
    const env = { AUTH_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/meridian_auth' };
    expect(
      readSubgraphConfig({ name: 'auth', defaultPort: 4002 }, { ...env, TRUSTED_PROXIES: '172.28.1.0/24, fd00::/8' })
        .trustedProxies,
    ).toEqual(['172.28.1.0/24', 'fd00::/8']);
    expect(() =>
      readSubgraphConfig({ name: 'auth', defaultPort: 4002 }, { ...env, TRUSTED_PROXIES: '172.28.1.0/24,172.28.1.0/33' }),
    ).toThrow(/'172\.28\.1\.0\/33' is not an IP address or CIDR range[\s\S]*TRUSTED_PROXIES/);
  });
});
