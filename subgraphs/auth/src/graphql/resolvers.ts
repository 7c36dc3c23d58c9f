/** GraphQL <-> auth use cases. */
import { canSee, requireViewer } from '#kit/auth';
import { forbidden } from '#kit/errors';
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { changePassword, logoutAll } from '../app/change-password.ts';
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
      signUp: (_, { input }, { clientAddress }) => signUp(deps, input, clientAddress),
      login: (_, { input }, { clientAddress }) => login(deps, input, clientAddress),
      refreshToken: (_, { refreshToken }) => refreshSession(deps, refreshToken),
      logout: (_, { refreshToken }) => logout(deps, refreshToken),
      logoutAll: (_, __, { viewer }) => logoutAll(deps, viewer),
      changePassword: (_, { input }, { viewer, clientAddress }) => changePassword(deps, viewer, input, clientAddress),
      rotateSigningKey: (_, __, { viewer }) => {
        if (!requireViewer(viewer).isAdmin) throw forbidden('Only admins can rotate signing keys');
        return deps.keys.rotate();
      },
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
