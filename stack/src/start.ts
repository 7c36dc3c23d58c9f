/**
 * `npm start`: the embedded mode, and the web app on its own origin (http://127.0.0.1:5173/, built on
 * the first start). Prints the Sandbox and web app URLs and the demo sign-ins.
 */
import { z } from 'zod';
import { stopOnSignals, adminPortOf, adminPortSetting, corsOriginsSetting } from '#kit/config';
import { demoPassword, demoUsers } from './demo-data.ts';
import { startEmbeddedStack } from './embedded.ts';
import { ensureWebBuild } from './web-build.ts';
import { sameHostRouterUrl, startWebServer, webOrigins, type RunningWebServer } from './web-server.ts';
import { defaultRateLimits } from '../../router/src/rate-limits.ts';
import { defaultTrustedDocumentsMode, trustedDocumentsModes } from '../../router/src/trusted-documents.ts';

const webTrustedDocumentsPath = 'web/src/gql/persisted-documents.json';

const env = z
  .object({
    MERIDIAN_DATA_DIR: z.string().default('.data/embedded'),
    ROUTER_PORT: z.coerce.number().int().nonnegative().default(4000),
    LOG_LEVEL: z.string().default('warn'),
    NODE_ENV: z.string().default('development'),
    ROUTER_CORS_ORIGINS: corsOriginsSetting.optional(),
    ROUTER_CORS_CREDENTIALS: z.enum(['true', 'false']).default('false'),
    ROUTER_CORS_MAX_AGE: z.coerce.number().int().nonnegative().default(600),
    ROUTER_ADMIN_PORT: adminPortSetting,
    ROUTER_ADMIN_HOST: z.string().default('127.0.0.1'),
    WEB_PORT: z.coerce.number().int().nonnegative().max(65_535).default(5173),
    WEB_HOST: z.string().default('127.0.0.1'),
    ROUTER_TRUSTED_DOCUMENTS: z.enum(trustedDocumentsModes).optional(),
    // The web app's operations (the client preset writes them at `npm run codegen`).
    ROUTER_TRUSTED_DOCUMENTS_PATH: z.string().default(webTrustedDocumentsPath),
  })
  .parse(process.env);

const started = Date.now();
const production = env.NODE_ENV === 'production';
// Built while the stack starts: the first start after a clone (or after the app's sources changed).
const webBuild = ensureWebBuild().then(
  (state) => ({ state }),
  (error: Error) => ({ state: 'failed', error }),
);
// The web app's pages call the router and upload to the embedded S3: besides whatever else is allowed
// (development: any page on this machine), its own origin is.
const origins = env.ROUTER_CORS_ORIGINS?.length ? env.ROUTER_CORS_ORIGINS : production ? [] : undefined;
const stack = await startEmbeddedStack({
  dataDir: env.MERIDIAN_DATA_DIR,
  routerPort: env.ROUTER_PORT,
  subgraphPorts: 'default',
  production,
  reportCost: !production,
  logLevel: env.LOG_LEVEL,
  cors: {
    origins: origins && [...origins, ...webOrigins(env.WEB_HOST, env.WEB_PORT)],
    credentials: env.ROUTER_CORS_CREDENTIALS === 'true',
    maxAgeSeconds: env.ROUTER_CORS_MAX_AGE,
  },
  admin: { port: env.ROUTER_ADMIN_PORT ?? adminPortOf(env.ROUTER_PORT), host: env.ROUTER_ADMIN_HOST },
  // In-process buckets: one process serves everything.
  rateLimits: defaultRateLimits,
  // Development: the web app's ids are resolved, any other document served (Sandbox); production: only the app's.
  trustedDocuments: {
    mode: env.ROUTER_TRUSTED_DOCUMENTS ?? defaultTrustedDocumentsMode(production, env.ROUTER_TRUSTED_DOCUMENTS_PATH),
    path: env.ROUTER_TRUSTED_DOCUMENTS_PATH,
  },
});

let web: RunningWebServer | undefined;
const built = await webBuild;
const webLine =
  'error' in built
    ? `not served: ${built.error.message.split('\n')[0]}`
    : await startWebServer({ port: env.WEB_PORT, host: env.WEB_HOST, routerUrl: sameHostRouterUrl(stack.router.url) }).then(
        (running) => (
          (web = running),
          `${running.url}/${built.state === 'missing' ? ' (just built)' : built.state === 'stale' ? ' (rebuilt: its sources changed)' : ''}`
        ),
        (error: Error) => `not served: ${error.message}`,
      );

const line = '─'.repeat(72);
// Each in-process subgraph's admin listener took a free loopback port.
const subgraphMetrics = Object.values(stack.subgraphs)
  .map((s) => `${s.name} :${new URL(s.adminUrl).port}`)
  .join(', ');
console.log(`
${line}
 Meridian is running (embedded mode, ${((Date.now() - started) / 1000).toFixed(1)} s${stack.seeded ? ', demo data seeded' : ''})

 Apollo Sandbox   ${stack.router.url}/
 Web app          ${webLine}
 GraphQL          ${stack.router.url}/graphql
 Health           ${stack.router.url}/health
 Metrics          ${stack.router.adminUrl}/metrics
 Subgraph metrics /metrics on ${subgraphMetrics}
 Data folder      ${env.MERIDIAN_DATA_DIR}

 Demo sign-ins (password for all: ${demoPassword})
${demoUsers.map((u) => `   ${u.email.padEnd(22)} ${u.roles.join(', ')}`).join('\n')}

 Sign in with:  mutation { login(input: { email: "${demoUsers[0]!.email}", password: "${demoPassword}" }) { accessToken } }
 then send the header  Authorization: Bearer <accessToken>
 Ctrl-C stops everything.
${line}
`);
stopOnSignals(async () => {
  await web?.stop();
  await stack.stop();
});
