/** GraphQL <-> inventory use cases. Products are public: no viewer is needed to read them. */
import { DateTimeScalar } from '#kit';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { InventoryStore } from '../adapters/prisma-inventory-store.ts';
import { listProducts } from '../app/list-products.ts';

/** The inventory resolvers over `deps.products`; references go through the request's loaders. */
export function createResolvers(deps: { products: InventoryStore }): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      // Inactive products stay readable by id: orders placed earlier still show what was bought.
      product: (_, { id }, { loaders }) => loaders.product.load(id),
      products: (_, args) => listProducts(deps, args),
    },
    Product: {
      __resolveReference: (ref, { loaders }) => loaders.product.load(ref.id),
    },
  };
}
