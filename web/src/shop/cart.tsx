/** The cart as React state, shared by the shop, the nav and checkout; kept in sessionStorage across reloads. */
import { createContext, useContext, useEffect, useReducer, type ReactNode } from 'react';
import { cartReducer, type CartAction, type CartLine } from './cart-state.ts';

const storageKey = 'meridian.cart';

interface CartContextValue {
  lines: CartLine[];
  count: number;
  dispatch: (action: CartAction) => void;
}

const CartContext = createContext<CartContextValue>({ lines: [], count: 0, dispatch: () => {} });

function initialLines(): CartLine[] {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]') as unknown;
    return Array.isArray(stored) ? (stored as CartLine[]) : [];
  } catch {
    return [];
  }
}

export function CartProvider({ children }: { children: ReactNode }) {
  const [lines, dispatch] = useReducer(cartReducer, undefined, initialLines);
  useEffect(() => {
    sessionStorage.setItem(storageKey, JSON.stringify(lines));
  }, [lines]);
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  return <CartContext.Provider value={{ lines, count, dispatch }}>{children}</CartContext.Provider>;
}

export const useCart = () => useContext(CartContext);
