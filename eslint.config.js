// One lint config for the whole repository: typescript-eslint recommended plus the domain boundary.
import tseslint from 'typescript-eslint';

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
    // Domain code is pure: no persistence, transport, adapters or resolvers.
    files: ['subgraphs/*/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/__generated__/**', '@prisma/*', 'prisma', 'pg', 'ioredis', 'minio'],
              message: 'src/domain is pure: no I/O imports',
            },
            { group: ['graphql', '@apollo/*'], message: 'src/domain knows no GraphQL' },
            {
              group: ['**/adapters/**', '../adapters/*', '**/graphql/**', '../graphql/*', '**/app/**', '../app/*'],
              message: 'src/domain depends on nothing outside it',
            },
          ],
        },
      ],
    },
  },
);
