import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('router start-up', () => {
  it('a bad ROUTER_TRUSTED_PROXIES entry stops the router at start, naming the variable and the entry', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('main.ts', import.meta.url)), '--port', '0'],
      {
        env: { ...process.env, ROUTER_TRUSTED_PROXIES: '10.0.0.0/8, lb.internal' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("'lb.internal' is not an IP address or CIDR range");
    expect(run.stderr).toContain('ROUTER_TRUSTED_PROXIES');
  });

  it('ROUTER_TRUSTED_DOCUMENTS=enforce without a manifest stops the router at start, naming the missing variable', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('main.ts', import.meta.url)), '--port', '0'],
      {
        env: { ...process.env, ROUTER_TRUSTED_DOCUMENTS: 'enforce', ROUTER_TRUSTED_DOCUMENTS_PATH: '' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ROUTER_TRUSTED_DOCUMENTS=enforce needs a manifest: set ROUTER_TRUSTED_DOCUMENTS_PATH');
  });
});
