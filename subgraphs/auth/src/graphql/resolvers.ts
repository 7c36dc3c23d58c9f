/** GraphQL <-> auth use cases. */
import { canSee, DateTimeScalar, forbidden } from '#kit';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { login } from '../app/login.ts';
import { logout, refreshSession } from '../app/refresh-session.ts';
import { signUp } from '../app/sign-up.ts';
import type { AuthDeps } from '../app/issue-session.ts';

export function createResolvers(deps: AuthDeps): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      signingKeys: () => deps.keys.publicKeys(),
    },
    Mutation: {
      signUp: (_, { input }) => signUp(deps, input),
      login: (_, { input }) => login(deps, input),
      refreshToken: (_, { refreshToken }) => refreshSession(deps, refreshToken),
      logout: (_, { refreshToken }) => logout(deps, refreshToken),
    },
    User: {
      __resolveReference: (ref, { loaders }) => loaders.account.load(ref.id),
      roles: (account, _, { viewer }) => {
        if (!canSee(viewer, account.id)) throw forbidden('Only the user and admins can see roles');
        return account.roles;
      },
    },
  };
}
