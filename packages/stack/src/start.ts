/** `npm start`: the embedded mode. Prints the Sandbox URL and the demo sign-ins. */
import { z } from 'zod';
import { stopOnSignals } from '#kit';
import { demoPassword, demoUsers } from './demo-data.ts';
import { startEmbeddedStack } from './embedded.ts';

const env = z
  .object({
    MERIDIAN_DATA_DIR: z.string().default('.data/embedded'),
    ROUTER_PORT: z.coerce.number().int().nonnegative().default(4000),
    LOG_LEVEL: z.string().default('warn'),
    NODE_ENV: z.string().default('development'),
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
});

const line = '─'.repeat(72);
console.log(`
${line}
 Meridian is running (embedded mode, ${((Date.now() - started) / 1000).toFixed(1)} s${stack.seeded ? ', demo data seeded' : ''})

 Apollo Sandbox   ${stack.router.url}/
 GraphQL          ${stack.router.url}/graphql
 Health           ${stack.router.url}/health
 Data folder      ${env.MERIDIAN_DATA_DIR}

 Demo sign-ins (password for all: ${demoPassword})
${demoUsers.map((u) => `   ${u.email.padEnd(22)} ${u.roles.join(', ')}`).join('\n')}

 Sign in with:  mutation { login(input: { email: "${demoUsers[0]!.email}", password: "${demoPassword}" }) { accessToken } }
 then send the header  Authorization: Bearer <accessToken>
 Ctrl-C stops everything.
${line}
`);
stopOnSignals(() => stack.stop());
