/**
 * Docker cannot run on the CI machine, so the compose file is checked by reading it: every service
 * the code needs is there, healthy-gated, and its ports and variables agree with `.env.example`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { parse } from 'yaml';
import { trustedProxies } from '#kit/client-address';
import { proxyListSetting, adminPortOf } from '#kit/config';
import { defaultPorts, subgraphNames } from './topology.ts';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  networks?: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string; gateway?: string }[] } }>;
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      healthcheck?: unknown;
      depends_on?: Record<string, { condition: string }>;
      command?: string[];
      ports?: string[];
      expose?: string[];
      networks?: unknown;
    }
  >;
};
const envExample = new Map(
  readFileSync(new URL('.env.example', root), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => {
      const [key, rest = ''] = line.split('=', 2) as [string, string];
      return [key, rest.replace(/\s+#.*$/, '').trim()];
    }),
);
/** `${NAME:-default}` as compose resolves it with NAME unset. */
const unsetValue = (value: string) => value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
/** The `n`th address of an IPv4 range (`a.b.c.d/len`); negative counts from its end. */
function addressIn(range: string, n: number): string {
  const [base = '', length = '32'] = range.split('/');
  const start = base.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(length));
  const value = start + (n >= 0 ? n : size + n);
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
const initSql = readFileSync(new URL('docker/postgres/init.sql', root), 'utf8');
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the infrastructure, the migration step, every subgraph, the router and the web app', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['postgres', 'redis', 'minio', 'minio-init', 'migrate', ...subgraphNames, 'worker', 'router', 'web'].sort(),
    );
  });

  it.each(subgraphNames)('the %s service runs its main on the documented port and database', (name) => {
    const service = services[name]!;
    const upper = name.toUpperCase();
    expect(service.command).toEqual(['node', `dist/subgraphs/${name}/src/main.js`]);
    expect(service.environment?.[`${upper}_PORT`]).toBe(String(defaultPorts[name]));
    expect(envExample.get(`${upper}_PORT`)).toBe(String(defaultPorts[name]));
    const database = new URL(service.environment![`${upper}_DATABASE_URL`]!.replace(/\$\{[^}]+\}/g, 'x')).pathname.slice(1);
    expect(new URL(envExample.get(`${upper}_DATABASE_URL`)!).pathname.slice(1)).toBe(database);
    expect(initSql).toContain(`CREATE DATABASE ${database};`);
    expect(services.migrate!.environment?.[`${upper}_DATABASE_URL`]).toBe(service.environment![`${upper}_DATABASE_URL`]);
    expect(services.router!.environment?.[`${upper}_URL`]).toBe(`http://${name}:${defaultPorts[name]}/graphql`);
  });

  it.each(subgraphNames)(
    "the %s service's /metrics listens on the network for a Prometheus, never published on the host",
    (name) => {
      const service = services[name]!;
      const adminPort = service.environment?.[`${name.toUpperCase()}_ADMIN_PORT`];
      expect(adminPort).toBe(String(adminPortOf(defaultPorts[name])));
      expect(service.environment?.ADMIN_HOST).toBe('0.0.0.0');
      expect(service.expose).toContain(adminPort);
      expect(service.ports).toBeUndefined();
    },
  );

  it('every Node service runs, with node, a program that `npm run build` compiles into the image', () => {
    const built = ts.parseConfigFileTextToJson('tsconfig.build.json', readFileSync(new URL('tsconfig.build.json', root), 'utf8'))
      .config as { files: string[] };
    for (const name of ['migrate', ...subgraphNames, 'worker', 'router', 'web']) {
      const [command, program] = services[name]!.command ?? [];
      expect(command, name).toBe('node');
      expect(program, name).toMatch(/^dist\/.+\.js$/);
      expect(built.files, name).toContain(program!.replace(/^dist\/(.+)\.js$/, '$1.ts'));
    }
    // The image compiles in its build stage and runs JavaScript only: no tsx, no TypeScript sources.
    const [buildStage = '', runStage = ''] = readFileSync(new URL('Dockerfile', root), 'utf8')
      .split(/^FROM /m)
      .slice(1);
    expect(buildStage).toMatch(/^RUN npm run build\b/m);
    expect(runStage).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runStage).not.toMatch(/tsx|COPY \. /);
  });

  it('every variable a Node service is given is documented in .env.example', () => {
    const nodeServices = ['migrate', ...subgraphNames, 'worker', 'router', 'web'];
    const undocumented = nodeServices.flatMap((name) =>
      Object.keys(services[name]!.environment ?? {})
        .filter((key) => !envExample.has(key))
        .map((key) => `${name}: ${key}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('every long-running service has a healthcheck and waits for what it needs to be healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate' || name === 'minio-init') continue;
      expect(service.healthcheck, name).toBeDefined();
    }
    for (const name of subgraphNames) {
      const needs = services[name]!.depends_on!;
      expect(needs.migrate?.condition).toBe('service_completed_successfully');
      expect(needs.redis?.condition).toBe('service_healthy');
    }
    expect(services.migrate!.depends_on!.postgres?.condition).toBe('service_healthy');
    expect(services.documents!.depends_on!['minio-init']?.condition).toBe('service_completed_successfully');
    expect(services.worker!.command).toEqual(['node', 'dist/subgraphs/documents/src/worker.js']);
    expect(services.worker!.environment?.DOCUMENTS_DATABASE_URL).toBe(services.documents!.environment?.DOCUMENTS_DATABASE_URL);
    expect(services.worker!.depends_on!['minio-init']?.condition).toBe('service_completed_successfully');
    for (const name of subgraphNames) expect(services.router!.depends_on![name]?.condition).toBe('service_healthy');
    expect(services.router!.ports).toEqual([`${defaultPorts.router}:${defaultPorts.router}`]);
  });

  it('serves the web app built into the image, pointed at the router, uploading to MinIO, as a browser on the host reaches them', () => {
    const [buildStage = '', runStage = ''] = readFileSync(new URL('Dockerfile', root), 'utf8')
      .split(/^FROM /m)
      .slice(1);
    expect(buildStage).toMatch(/^RUN .*\bnpm run build:web\b/m);
    // dist/ mirrors the repository: the compiled web.js serves dist/web/dist.
    expect(runStage).toMatch(/^COPY --from=build \/app\/web\/dist \.\/dist\/web\/dist$/m);
    const web = services.web!;
    expect(web.ports).toEqual(['5173:5173']);
    const routerUrl = new URL(unsetValue(web.environment!.ROUTER_PUBLIC_URL!));
    expect(services.router!.ports).toContain(`${routerUrl.port}:${defaultPorts.router}`);
    expect(web.depends_on!.router?.condition).toBe('service_healthy');
    // The router lets the page call it (a production router allows no origin by default).
    const origins = unsetValue(services.router!.environment!.ROUTER_CORS_ORIGINS!).split(',');
    expect(origins).toEqual(expect.arrayContaining(['http://127.0.0.1:5173', 'http://localhost:5173']));
    // Upload URLs are signed for MinIO's published port, not for minio:9000.
    const s3Public = new URL(unsetValue(services.documents!.environment!.S3_PUBLIC_URL!));
    expect(s3Public.hostname).toBe('127.0.0.1');
    expect(services.minio!.ports).toContain(`${s3Public.port}:9000`);
  });

  it("every subgraph trusts the addresses of the stack's containers (the router's), and not the host side of the network", () => {
    const network = compose.networks?.default?.ipam?.config?.[0];
    expect(network?.subnet).toBeDefined();
    const { subnet = '', ip_range: containers = '', gateway = '' } = network ?? {};
    const withinSubnet = trustedProxies([subnet]);
    expect([addressIn(containers, 0), addressIn(containers, -1), gateway].every((a) => withinSubnet.has(a))).toBe(true);
    // Every Node service is on that network (none names another one).
    for (const name of ['migrate', ...subgraphNames, 'worker', 'router']) expect(services[name]!.networks, name).toBeUndefined();
    for (const name of subgraphNames) {
      const trusted = trustedProxies(proxyListSetting('').parse(unsetValue(services[name]!.environment!.TRUSTED_PROXIES ?? '')));
      for (const router of [addressIn(containers, 1), addressIn(containers, 130), addressIn(containers, -2)]) {
        expect(trusted.has(router), `${name} trusts ${router}`).toBe(true);
      }
      expect(trusted.has(gateway), `${name} does not trust the gateway ${gateway}`).toBe(false);
      expect(trusted.has(addressIn(subnet, -2)), `${name} trusts nothing outside ${containers}`).toBe(false);
    }
    // The router trusts no one by default (no load balancer in front of it here), and whatever .env sets is checked at start.
    expect(proxyListSetting('').parse(unsetValue(services.router!.environment!.ROUTER_TRUSTED_PROXIES!))).toEqual([]);
  });
});
