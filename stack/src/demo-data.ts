/**
 * The demo data the embedded mode starts with: a few users (one admin), products with stock, orders
 * in several states with their payments, and documents. Fixed ids keep the subgraphs' rows linked.
 */
export const demoPassword = 'meridian-demo-2026';

export const demoUsers = [
  {
    id: '5b0c2d4e-0000-4000-8000-000000000001',
    email: 'ada@meridian.dev',
    displayName: 'Ada Lovelace',
    roles: ['CUSTOMER'] as const,
  },
  {
    id: '5b0c2d4e-0000-4000-8000-000000000002',
    email: 'grace@meridian.dev',
    displayName: 'Grace Hopper',
    roles: ['CUSTOMER'] as const,
  },
  {
    id: '5b0c2d4e-0000-4000-8000-000000000003',
    email: 'admin@meridian.dev',
    displayName: 'Meridian Admin',
    roles: ['CUSTOMER', 'ADMIN'] as const,
  },
];
const [ada, grace] = demoUsers as [(typeof demoUsers)[0], (typeof demoUsers)[0], (typeof demoUsers)[0]];

export const demoWarehouses = [
  { id: '7e1a0000-0000-4000-8000-000000000001', code: 'LIS-1', name: 'Lisbon' },
  { id: '7e1a0000-0000-4000-8000-000000000002', code: 'BER-1', name: 'Berlin' },
];

const product = (n: number, sku: string, name: string, description: string, priceAmount: number, stock: [number, number]) => ({
  id: `9d0f0000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  sku,
  name,
  description,
  priceAmount,
  priceCurrency: 'EUR',
  active: true,
  stock,
});

export const demoProducts = [
  product(1, 'MUG-001', 'Meridian mug', 'Stoneware, 350 ml', 1490, [40, 25]),
  product(2, 'TEE-002', 'Supergraph T-shirt', 'Organic cotton, unisex', 2490, [30, 10]),
  product(3, 'NB-003', 'Query planner notebook', 'A5, dotted, 160 pages', 990, [100, 50]),
  product(4, 'CAP-004', 'Federation cap', 'One size', 1990, [15, 5]),
  product(5, 'STK-005', 'Sticker pack', 'Ten vinyl stickers', 390, [500, 200]),
  product(6, 'BAG-006', 'Tote bag', 'Canvas, 10 l', 1590, [20, 0]),
  product(7, 'HOOD-007', 'Resolver hoodie', 'Brushed fleece', 4990, [8, 4]),
  product(8, 'PEN-008', 'Schema pen', 'Refillable, blue ink', 590, [0, 0]),
];
const p = demoProducts;

type DemoStatus = 'PENDING' | 'RESERVED' | 'PAID' | 'CONFIRMED' | 'CANCELLED';
const at = (iso: string) => new Date(iso);
const order = (
  n: number,
  buyerId: string,
  status: DemoStatus,
  createdAt: string,
  items: { product: (typeof demoProducts)[number]; quantity: number }[],
  payment: 'SUCCEEDED' | 'FAILED' | null,
  cancelReason: 'PAYMENT_DECLINED' | null = null,
) => {
  const path: DemoStatus[] =
    status === 'CONFIRMED'
      ? ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']
      : status === 'CANCELLED'
        ? ['PENDING', 'RESERVED', 'CANCELLED']
        : ['PENDING'];
  const start = at(createdAt).getTime();
  return {
    id: `0d3e0000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    buyerId,
    status,
    cancelReason,
    currency: 'EUR',
    createdAt: at(createdAt),
    items: items.map((i) => ({ productId: i.product.id, quantity: i.quantity, unitPriceAmount: i.product.priceAmount })),
    history: path.map((s, i) => ({ status: s, reason: s === 'CANCELLED' ? cancelReason : null, at: new Date(start + i * 1500) })),
    payment: payment && {
      id: `3a7b0000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      status: payment,
      failureReason: payment === 'FAILED' ? 'The card was declined (test token tok_decline)' : null,
    },
  };
};

export const demoOrders = [
  order(
    1,
    ada.id,
    'CONFIRMED',
    '2026-11-02T10:00:00Z',
    [
      { product: p[0]!, quantity: 2 },
      { product: p[2]!, quantity: 1 },
    ],
    'SUCCEEDED',
  ),
  order(2, ada.id, 'CANCELLED', '2026-11-10T16:30:00Z', [{ product: p[6]!, quantity: 1 }], 'FAILED', 'PAYMENT_DECLINED'),
  order(
    3,
    ada.id,
    'PENDING',
    '2026-11-20T09:15:00Z',
    [
      { product: p[1]!, quantity: 1 },
      { product: p[4]!, quantity: 3 },
    ],
    null,
  ),
  order(4, grace.id, 'CONFIRMED', '2026-11-05T12:00:00Z', [{ product: p[3]!, quantity: 1 }], 'SUCCEEDED'),
];

export const demoDocuments = [
  {
    id: 'd0c50000-0000-4000-8000-000000000001',
    ownerId: ada.id,
    filename: 'receipt-2026-11-02.txt',
    contentType: 'text/plain',
    body: 'Meridian store\nReceipt 0001\n2 x Meridian mug  29.80 EUR\n1 x Query planner notebook  9.90 EUR\nTotal 39.70 EUR\n',
    createdAt: at('2026-11-02T10:05:00Z'),
    job: { id: 'a0b50000-0000-4000-8000-000000000001', status: 'COMPLETED' as const },
  },
  {
    id: 'd0c50000-0000-4000-8000-000000000002',
    ownerId: ada.id,
    filename: 'invoice-draft.txt',
    contentType: 'text/plain',
    body: 'Invoice draft: awaiting processing\n',
    createdAt: at('2026-11-21T08:00:00Z'),
    job: { id: 'a0b50000-0000-4000-8000-000000000002', status: 'PENDING' as const },
  },
];
