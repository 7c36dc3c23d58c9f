/** Use case: the catalogue — active products, newest first, one page at a time. */
import { pageArgs, toConnection, type Connection, type PageArgs } from '#kit/pagination';
import type { InventoryStore } from '../ports.ts';
import type { Product } from '../domain/product.ts';

/** A page of active products; throws BAD_USER_INPUT for a bad `first` or `after`. */
export async function listProducts(deps: { products: InventoryStore }, args: PageArgs): Promise<Connection<Product>> {
  const { take, after } = pageArgs(args);
  // One row more than the page tells whether there is a next page without a count query.
  return toConnection(await deps.products.activePage(after, take + 1), take);
}
