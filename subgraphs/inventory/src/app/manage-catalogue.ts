/** Use cases: admins create and change products and adjust stock (audited). */
import { randomUUID } from 'node:crypto';
import { requireAdmin, type Viewer } from '#kit/auth';
import { DomainError, notFound } from '#kit/errors';
import { visibleText } from '#kit/text';
import type { InventoryStore, ReservationStore } from '../ports.ts';
import type { Product, StockLevelView, Warehouse } from '../domain/product.ts';

export interface ProductInput {
  sku: string;
  name: string;
  description?: string | null;
  price: { amount: number; currency: string };
  active?: boolean | null;
}

interface CatalogueDeps {
  products: InventoryStore;
  reservations: ReservationStore;
}

const requireCatalogueAdmin = (viewer: Viewer | null) => requireAdmin(viewer, 'Only admins can change the catalogue or stock');

async function save(deps: CatalogueDeps, id: string, input: ProductInput): Promise<Product> {
  try {
    await deps.products.saveProduct({
      id,
      sku: input.sku,
      name: input.name,
      description: input.description ?? undefined,
      priceAmount: input.price.amount,
      priceCurrency: input.price.currency,
      active: input.active ?? undefined,
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002')
      throw new DomainError('CONFLICT', 'Another product has this sku', { field: 'sku' });
    throw error;
  }
  const [product] = await deps.products.byIds([id]);
  return product!;
}

export async function createProduct(deps: CatalogueDeps, viewer: Viewer | null, input: ProductInput): Promise<Product> {
  requireCatalogueAdmin(viewer);
  return save(deps, randomUUID(), input);
}

export async function updateProduct(
  deps: CatalogueDeps,
  viewer: Viewer | null,
  id: string,
  input: ProductInput,
): Promise<Product> {
  requireCatalogueAdmin(viewer);
  if ((await deps.products.byIds([id])).length === 0) throw notFound('Product');
  return save(deps, id, input);
}

export async function adjustStock(
  deps: CatalogueDeps,
  viewer: Viewer | null,
  input: { productId: string; warehouseId: string; delta: number; reason: string },
): Promise<StockLevelView> {
  const admin = requireCatalogueAdmin(viewer);
  const reason = visibleText(input.reason, { field: 'reason', max: 200 });
  const level = await deps.reservations.adjustStock({ ...input, reason, actorId: admin.id });
  return { productId: input.productId, warehouseId: input.warehouseId, ...level };
}

/** The warehouses stock can be adjusted in (admins: the stock form's choices). */
export async function listWarehouses(deps: CatalogueDeps, viewer: Viewer | null): Promise<Warehouse[]> {
  requireCatalogueAdmin(viewer);
  return deps.products.warehouses();
}
