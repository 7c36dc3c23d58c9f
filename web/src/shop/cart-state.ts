/** The cart: lines kept in the browser until checkout (pure state, so vitest can test it). */

export interface CartLine {
  productId: string;
  name: string;
  /** Minor units, as the shop showed it; the order is priced by the server when stock is reserved. */
  unitAmount: number;
  currency: string;
  quantity: number;
}

export type CartAction =
  | { type: 'add'; line: Omit<CartLine, 'quantity'>; quantity?: number }
  | { type: 'set-quantity'; productId: string; quantity: number }
  | { type: 'remove'; productId: string }
  | { type: 'clear' };

/** `placeOrder` takes 1 to 1000 units per line and at most 50 lines. */
export const maxQuantity = 1000;
export const maxLines = 50;

const clamp = (n: number) => Math.min(maxQuantity, Math.max(1, Math.floor(n)));

export function cartReducer(lines: CartLine[], action: CartAction): CartLine[] {
  switch (action.type) {
    case 'add': {
      const existing = lines.find((l) => l.productId === action.line.productId);
      const quantity = action.quantity ?? 1;
      if (existing) return lines.map((l) => (l === existing ? { ...l, quantity: clamp(l.quantity + quantity) } : l));
      if (lines.length >= maxLines) return lines;
      return [...lines, { ...action.line, quantity: clamp(quantity) }];
    }
    case 'set-quantity':
      if (!(action.quantity >= 1)) return lines.filter((l) => l.productId !== action.productId);
      return lines.map((l) => (l.productId === action.productId ? { ...l, quantity: clamp(action.quantity) } : l));
    case 'remove':
      return lines.filter((l) => l.productId !== action.productId);
    case 'clear':
      return [];
  }
}

/** Totals per currency (products may be priced in more than one). */
export function cartTotals(lines: CartLine[]): { currency: string; amount: number }[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.unitAmount * line.quantity);
  return [...totals].map(([currency, amount]) => ({ currency, amount }));
}
