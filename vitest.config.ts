import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node loads graphql's CommonJS build (its package.json has no "exports"); Vite would pick the
  // ESM build for our sources, and Apollo's schemas would then come from "another realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '.data/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'silent' },
  },
});
