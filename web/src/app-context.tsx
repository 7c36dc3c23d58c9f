/**
 * What every page needs: the router's address, the session and the Apollo Client, built once at
 * start (main.tsx) and handed down through React context.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { AppConfig } from './config.ts';
import type { MeridianClient } from './graphql/client.ts';
import type { Session, SessionState } from './session/session.ts';

export interface AppServices {
  config: AppConfig;
  session: Session;
  client: MeridianClient;
}

export const AppContext = createContext<AppServices | undefined>(undefined);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp() outside <AppContext.Provider>');
  return services;
}

/** The session's state, re-rendering on every change. */
export function useSessionState(): SessionState {
  const { session } = useApp();
  return useSyncExternalStore(
    (onChange) => session.subscribe(onChange),
    () => session.current(),
  );
}
