/** `npm start`: the embedded mode. Prints the Sandbox URL and the demo sign-ins. */
import { z } from 'zod';
import { stopOnSignals } from '#kit';
import { adminPortOf, adminPortSetting, corsOriginsSetting } from '#kit/config';
import { demoPassword, demoUsers } from './demo-data.ts';
import { startEmbeddedStack } from './embedded.ts';
import { defaultRateLimits } from '../../../router/src/rate-limits.ts';

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
  })
  .parse(process.env);

const started = Date.now();
const stack = await startEmbeddedStack({
  dataDir: env.MERIDIAN_DATA_DIR,
  routerPort: env.ROUTER_PORT,
  subgraphPorts: 'default',
  production: env.NODE_ENV === 'production',
  reportCost: env.NODE_ENV !== 'production',
  logLevel: env.LOG_LEVEL,
  cors: {
    origins: env.ROUTER_CORS_ORIGINS?.length ? env.ROUTER_CORS_ORIGINS : undefined,
    credentials: env.ROUTER_CORS_CREDENTIALS === 'true',
    maxAgeSeconds: env.ROUTER_CORS_MAX_AGE,
  },
  admin: { port: env.ROUTER_ADMIN_PORT ?? adminPortOf(env.ROUTER_PORT), host: env.ROUTER_ADMIN_HOST },
  // In-process buckets: one process serves everything.
  rateLimits: defaultRateLimits,
});

const line = '─'.repeat(72);
// Each in-process subgraph's admin listener took a free loopback port.
const subgraphMetrics = Object.values(stack.subgraphs)
  .map((s) => `${s.name} :${new URL(s.adminUrl).port}`)
  .join(', ');
console.log(`
${line}
 Meridian is running (embedded mode, ${((Date.now() - started) / 1000).toFixed(1)} s${stack.seeded ? ', demo data seeded' : ''})

 Apollo Sandbox   ${stack.router.url}/
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
stopOnSignals(() => stack.stop());
