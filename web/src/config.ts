/**
 * Where the router is. Whatever serves the built app serves `/config.json`
 * (`{ "routerUrl": "http://127.0.0.1:4000" }`); without one (the Vite dev server), the router is
 * taken to be on port 4000 of the host the page came from.
 */
export interface AppConfig {
  /** The router's origin, without a trailing slash; GraphQL is at `${routerUrl}/graphql`. */
  routerUrl: string;
}

/** The router on port 4000 of the page's host (the embedded stack's default). */
export function defaultConfig(location: Pick<Location, 'protocol' | 'hostname'>): AppConfig {
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return { routerUrl: `${location.protocol === 'https:' ? 'https' : 'http'}://${host}:4000` };
}

/** Reads `/config.json`, falling back to {@link defaultConfig} when it is missing or not what we expect. */
export async function loadConfig(fetchFn: typeof fetch, location: Pick<Location, 'protocol' | 'hostname'>): Promise<AppConfig> {
  try {
    const response = await fetchFn('/config.json', { cache: 'no-store' });
    if (response.ok) {
      const json = (await response.json()) as { routerUrl?: unknown };
      if (typeof json.routerUrl === 'string' && /^https?:\/\//.test(json.routerUrl)) {
        return { routerUrl: json.routerUrl.replace(/\/+$/, '') };
      }
    }
  } catch {
    // Not served (dev server) or not JSON: the default below.
  }
  return defaultConfig(location);
}
