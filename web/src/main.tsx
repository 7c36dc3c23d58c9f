/**
 * Boot: read `/config.json` (where the router is), build the session and the Apollo Client, try to
 * resume an earlier session from the refresh cookie, render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { CartProvider } from './shop/cart.tsx';
import { AppContext } from './app-context.tsx';
import { loadConfig } from './config.ts';
import { createMeridianClient } from './graphql/client.ts';
import { createAuthApi } from './session/auth-api.ts';
import { Session } from './session/session.ts';
import './styles.css';

async function boot() {
  const fetchFn = window.fetch.bind(window);
  const config = await loadConfig(fetchFn, window.location);
  const session = new Session({ api: createAuthApi(config.routerUrl, fetchFn) });
  const client = createMeridianClient(config.routerUrl, session);
  void session.restore();

  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppContext.Provider value={{ config, session, client }}>
        <ApolloProvider client={client.apollo}>
          <CartProvider>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </CartProvider>
        </ApolloProvider>
      </AppContext.Provider>
    </StrictMode>,
  );
}

void boot();
