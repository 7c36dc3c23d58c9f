/**
 * The web client's build (`npm run build:web` -> web/dist) and dev server (`npm run dev:web`).
 * Vite is run with `web/` as its root, so this file and index.html sit there.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  // 5173 is also where `npm start` serves the built app: the dev server moves on to the next free port.
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 5173 },
});
