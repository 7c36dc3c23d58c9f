/** Products, warehouses and stock levels in the inventory database (Prisma). */
import { type Cursor, afterCursor, newestFirst } from '#kit/pagination';
import { pgAdapter } from '#kit/database';
import { isUuid } from '#kit/ids';
import type pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { availableUnits, newProduct, stockCount, type Product, type StockCount, type Warehouse } from '../domain/product.ts';
import type { InventoryStore, ProductSeed } from '../ports.ts';

/** The inventory Prisma client; typed with query events so tests can count SQL statements. */
export type InventoryDb = PrismaClient<'query'>;

/** A Prisma client on the inventory database; `log` enables query events (the batching test counts them). */
export function createInventoryDb(connection: string | pg.Pool, poolMax?: number, log = false): InventoryDb {
  return new PrismaClient({
    adapter: pgAdapter(connection, poolMax),
    log: log ? [{ emit: 'event', level: 'query' }] : [],
  });
}

const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => isUuid(id)))];

// Stock rides along with its products: Prisma reads it with a second statement over all the rows.
const withStock = { stock: { select: { onHand: true, reserved: true } } } as const;

interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  priceCurrency: string;
  active: boolean;
  createdAt: Date;
  stock: StockCount[];
}

const toProduct = (row: ProductRow): Product => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  price: { amount: row.priceAmount, currency: row.priceCurrency },
  active: row.active,
  createdAt: row.createdAt,
  available: availableUnits(row.stock),
});

/** The reads the resolvers need, plus idempotent `save`/`set` methods for seeding. */
export function createInventoryStore(db: InventoryDb): InventoryStore {
  return {
    /**
     * Products (active or not) with their availability, in no particular order. Whatever the number
     * of ids this costs two SQL statements: the products, then the stock levels of all of them.
     */
    async byIds(ids: readonly string[]): Promise<Product[]> {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      const rows = await db.product.findMany({ where: { id: { in: wanted } }, include: withStock });
      return rows.map(toProduct);
    },

    /** Up to `limit` active products after `after`, newest first (ties broken by id). */
    async activePage(after: Cursor | null, limit: number): Promise<Product[]> {
      const rows = await db.product.findMany({
        where: { active: true, ...afterCursor(after) },
        orderBy: newestFirst,
        take: limit,
        include: withStock,
      });
      return rows.map(toProduct);
    },

    /** Inserts or renames a warehouse (demo data, admin tooling). */
    warehouses: () => db.warehouse.findMany({ select: { id: true, code: true, name: true }, orderBy: { code: 'asc' } }),

    async saveWarehouse(warehouse: Warehouse): Promise<void> {
      await db.warehouse.upsert({
        where: { id: warehouse.id },
        create: warehouse,
        update: { code: warehouse.code, name: warehouse.name },
      });
    },

    /** Inserts or replaces a product after validating it (demo data, admin tooling). */
    async saveProduct(seed: ProductSeed): Promise<void> {
      const product = newProduct({
        sku: seed.sku,
        name: seed.name,
        description: seed.description,
        price: { amount: seed.priceAmount, currency: seed.priceCurrency },
        active: seed.active,
      });
      const fields = {
        sku: product.sku,
        name: product.name,
        description: product.description,
        priceAmount: product.price.amount,
        priceCurrency: product.price.currency,
        active: product.active,
      };
      await db.product.upsert({
        where: { id: seed.id },
        create: { id: seed.id, ...fields, ...(seed.createdAt ? { createdAt: seed.createdAt } : {}) },
        update: fields,
      });
    },

    /**
     * Sets a warehouse's units on hand of a product (demo data, stock intake). `reserved` is left as
     * it is unless given; the database refuses on-hand below what is reserved.
     */
    async setStock(level: { productId: string; warehouseId: string; onHand: number; reserved?: number }): Promise<void> {
      const count = stockCount(level.onHand, level.reserved ?? 0);
      const reserved = level.reserved === undefined ? {} : { reserved: count.reserved };
      await db.stockLevel.upsert({
        where: { productId_warehouseId: { productId: level.productId, warehouseId: level.warehouseId } },
        create: { productId: level.productId, warehouseId: level.warehouseId, onHand: count.onHand, ...reserved },
        update: { onHand: count.onHand, ...reserved },
      });
    },
  };
}
