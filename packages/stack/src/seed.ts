/**
 * Seeds the demo data into the six databases on first start (when auth has no accounts yet), through
 * each subgraph's own store, and puts the demo documents' files in the object store.
 */
import { createObjectStore, type Logger, type ObjectStoreConfig, type SubgraphName } from '#kit';
import { createAccountStore, createAuthDb } from '../../../subgraphs/auth/src/adapters/prisma-account-store.ts';
import { createPasswordHasher } from '../../../subgraphs/auth/src/adapters/password-hasher.ts';
import { createDocumentsDb, createDocumentStore } from '../../../subgraphs/documents/src/adapters/prisma-document-store.ts';
import { createInventoryDb, createInventoryStore } from '../../../subgraphs/inventory/src/adapters/prisma-inventory-store.ts';
import { createOrdersDb, createOrderStore } from '../../../subgraphs/orders/src/adapters/order-store.ts';
import { createPaymentsDb, createPaymentStore } from '../../../subgraphs/payments/src/adapters/payment-store.ts';
import { createUsersDb, createUserStore } from '../../../subgraphs/users/src/adapters/prisma-user-store.ts';
import { newProfile } from '../../../subgraphs/users/src/domain/user.ts';
import { demoDocuments, demoOrders, demoPassword, demoProducts, demoUsers, demoWarehouses } from './demo-data.ts';

/** Returns true when it seeded, false when the data was already there. */
export async function seedDemoData(
  urls: Record<SubgraphName, string>,
  objects: ObjectStoreConfig,
  logger: Logger,
): Promise<boolean> {
  const authDb = createAuthDb(urls.auth, 1);
  const usersDb = createUsersDb(urls.users, 1);
  const inventoryDb = createInventoryDb(urls.inventory, 1);
  const ordersDb = createOrdersDb(urls.orders, 1);
  const paymentsDb = createPaymentsDb(urls.payments, 1);
  const documentsDb = createDocumentsDb(urls.documents, 1);
  try {
    if ((await authDb.account.count()) > 0) return false;

    const users = createUserStore(usersDb);
    const accounts = createAccountStore(authDb);
    const passwordHash = await createPasswordHasher().hash(demoPassword);
    for (const user of demoUsers) {
      await accounts.save({
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        passwordHash,
        roles: [...user.roles],
      });
      await users.save(newProfile(user, new Date('2026-11-01T09:00:00Z')), [
        {
          id: user.id.replace('5b0c2d4e', 'addde55e'),
          label: 'Home',
          line1: 'Rua Augusta 100',
          line2: null,
          city: 'Lisbon',
          postalCode: '1100-053',
          country: 'PT',
          isDefault: true,
        },
      ]);
    }

    const inventory = createInventoryStore(inventoryDb);
    for (const warehouse of demoWarehouses) await inventory.saveWarehouse(warehouse);
    for (const [n, { stock, ...product }] of demoProducts.entries()) {
      // Distinct creation times give the product list a stable newest-first order.
      await inventory.saveProduct({ ...product, createdAt: new Date(Date.UTC(2026, 9, 10 + n, 8)) });
      for (const [i, onHand] of stock.entries()) {
        await inventory.setStock({ productId: product.id, warehouseId: demoWarehouses[i]!.id, onHand });
      }
    }

    const orders = createOrderStore(ordersDb);
    const payments = createPaymentStore(paymentsDb);
    for (const { payment, ...order } of demoOrders) {
      await orders.saveOrder(order);
      if (!payment) continue;
      const amount = order.items.reduce((sum, i) => sum + i.quantity * i.unitPriceAmount, 0);
      await payments.savePayment({
        id: payment.id,
        orderId: order.id,
        payerId: order.buyerId,
        amount,
        currency: order.currency,
        status: payment.status,
        provider: 'simulated',
      });
      await payments.addAttempt({
        paymentId: payment.id,
        succeeded: payment.status === 'SUCCEEDED',
        failureReason: payment.failureReason ?? undefined,
      });
    }

    const store = createObjectStore(objects);
    await store.ensureBucket();
    const documents = createDocumentStore(documentsDb);
    for (const doc of demoDocuments) {
      const body = Buffer.from(doc.body);
      const objectKey = `documents/${doc.ownerId}/${doc.id}`;
      const { etag } = await store.put(objectKey, body, doc.contentType);
      const done = doc.job.status === 'COMPLETED';
      await documents.saveDocument({
        id: doc.id,
        ownerId: doc.ownerId,
        filename: doc.filename,
        contentType: doc.contentType,
        sizeBytes: body.length,
        objectKey,
        // Never behind an upload URL: the seeded file is its own submitted copy.
        fileKey: objectKey,
        fileEtag: etag,
        status: done ? 'PROCESSED' : 'UPLOADED',
        createdAt: doc.createdAt,
      });
      await documents.saveJob({
        id: doc.job.id,
        documentId: doc.id,
        status: doc.job.status,
        progress: done ? 100 : 0,
        attempts: done ? 1 : 0,
        text: done ? doc.body : undefined,
        pageCount: done ? 1 : undefined,
        finishedAt: done ? new Date(doc.createdAt.getTime() + 4000) : undefined,
      });
    }
    logger.info('demo data seeded');
    return true;
  } finally {
    await Promise.all([authDb, usersDb, inventoryDb, ordersDb, paymentsDb, documentsDb].map((db) => db.$disconnect()));
  }
}
