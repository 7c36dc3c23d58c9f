/** Display helpers shared by the pages. */

/** `{ amount: 1999, currency: 'EUR' }` -> "€19.99" (in the browser's locale). */
export function formatMoney(money: { amount: number; currency: string } | null | undefined): string {
  if (!money) return '—';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency }).format(money.amount / 100);
  } catch {
    return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
  }
}

/** An ISO date-time as the browser's locale writes it. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
