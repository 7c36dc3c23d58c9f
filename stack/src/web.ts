/**
 * The web app on its own, as docker-compose's `web` service runs it (`node dist/stack/src/web.js`):
 * serves the built app (`dist/web/dist` in the image, `web/dist` from the sources) on `WEB_HOST:WEB_PORT`,
 * with `/config.json` pointing the browser at `ROUTER_PUBLIC_URL` — the router as the browser reaches
 * it, not as the containers do. It builds nothing: the image is built with the app in it.
 */
import { z } from 'zod';
import { stopOnSignals } from '#kit/config';
import { sameHostRouterUrl, startWebServer, webDistDir } from './web-server.ts';

const env = z
  .object({
    WEB_PORT: z.coerce.number().int().nonnegative().max(65_535).default(5173),
    WEB_HOST: z.string().default('127.0.0.1'),
    WEB_DIST_DIR: z.string().default(webDistDir),
    ROUTER_PUBLIC_URL: z.string().url().default('http://127.0.0.1:4000'),
  })
  .parse(process.env);

const web = await startWebServer({
  dir: env.WEB_DIST_DIR,
  port: env.WEB_PORT,
  host: env.WEB_HOST,
  routerUrl: sameHostRouterUrl(env.ROUTER_PUBLIC_URL),
});
console.log(`web app on ${env.WEB_HOST}:${env.WEB_PORT} (${web.url}/), router at ${env.ROUTER_PUBLIC_URL}`);
stopOnSignals(() => web.stop());
