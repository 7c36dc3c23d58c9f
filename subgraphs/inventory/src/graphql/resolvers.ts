/** GraphQL <-> inventory use cases. Products are public: no viewer is needed to read them. */
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { InventoryStore, ReservationStore } from '../ports.ts';
import { listProducts } from '../app/list-products.ts';
import { adjustStock, createProduct, listWarehouses, updateProduct } from '../app/manage-catalogue.ts';

/** The inventory resolvers over the stores; references go through the request's loaders. */
export function createResolvers(deps: { products: InventoryStore; reservations: ReservationStore }): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      // Inactive products stay readable by id: orders placed earlier still show what was bought.
      product: (_, { id }, { loaders }) => loaders.product.load(id),
      products: (_, args) => listProducts(deps, args),
      warehouses: (_, __, { viewer }) => listWarehouses(deps, viewer),
    },
    Mutation: {
      createProduct: (_, { input }, { viewer }) => createProduct(deps, viewer, input),
      updateProduct: (_, { id, input }, { viewer }) => updateProduct(deps, viewer, id, input),
      adjustStock: (_, { input }, { viewer }) => adjustStock(deps, viewer, input),
    },
    Product: {
      __resolveReference: (ref, { loaders }) => loaders.product.load(ref.id),
    },
    StockLevel: {
      product: async (level, _, { loaders }) => (await loaders.product.load(level.productId))!,
    },
  };
}
