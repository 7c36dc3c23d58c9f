/** GraphQL <-> users use cases. Private fields are the owner's (or an admin's) only. */
import { canSee, requireViewer } from '#kit/auth';
import { forbidden } from '#kit/errors';
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { UserStore } from '../ports.ts';
import { addAddress, removeAddress } from '../app/manage-addresses.ts';
import { provisionalProfile, type UserProfile } from '../domain/user.ts';
import type { Context } from './context.ts';

function ownOnly<T>(read: (user: UserProfile, ctx: Context) => T) {
  return (user: UserProfile, _args: unknown, ctx: Context): T => {
    if (!canSee(ctx.viewer, user.id)) throw forbidden('Only the user and admins can see this');
    return read(user, ctx);
  };
}

export function createResolvers(deps: { users: UserStore }): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      // Until user.registered is handled, answer with what the token says rather than an error.
      me: async (_, __, { viewer, loaders }) =>
        viewer ? ((await loaders.user.load(viewer.id)) ?? provisionalProfile(viewer, new Date())) : null,
      user: async (_, { id }, { viewer, loaders }) => {
        const who = requireViewer(viewer);
        if (!canSee(who, id)) throw forbidden('You can only read your own profile');
        return loaders.user.load(id);
      },
    },
    Mutation: {
      addAddress: (_, { input }, { viewer }) => addAddress(deps, viewer, input),
      removeAddress: (_, { id }, { viewer }) => removeAddress(deps, viewer, id),
    },
    User: {
      __resolveReference: (ref, { loaders }) => loaders.user.load(ref.id),
      email: ownOnly((u) => u.email),
      preferences: ownOnly((u) => u.preferences),
      addresses: ownOnly((u, ctx) => ctx.loaders.addresses.load(u.id)),
    },
  };
}
