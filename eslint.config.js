// One lint config for the whole repository: typescript-eslint recommended plus the layers
// (eslint-layers.js) and the purity of src/domain.
import tseslint from 'typescript-eslint';
import meridian from './eslint-layers.js';

/** The kit entries that import no package and only each other: what src/domain may use. */
const pureKit = ['errors', 'ids', 'text', 'failures', 'pagination'];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/__generated__/**', '.data/**', 'dist/**', 'web/dist/**', 'web/src/gql/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // kit < subgraphs, router < stack, bench; a subgraph seen from above only through its index.ts.
    files: ['kit/**/*.ts', 'subgraphs/**/*.ts', 'router/**/*.ts', 'stack/**/*.ts', 'bench/**/*.ts', 'web/test/**/*.ts'],
    plugins: { meridian },
    rules: { 'meridian/layers': ['error', { pureKit }] },
  },
  {
    // Domain code is pure: no persistence or transport packages (its own adapters, app, resolvers and
    // generated code, and the kit entries it may use, are checked by meridian/layers).
    files: ['subgraphs/*/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@prisma/*', 'prisma', 'pg', 'ioredis', 'minio', 'bullmq'],
              message: 'src/domain is pure: no I/O imports',
            },
            { group: ['graphql', '@apollo/*'], message: 'src/domain knows no GraphQL' },
          ],
        },
      ],
    },
  },
);
