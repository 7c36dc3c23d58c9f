/** The shop: active products with their price and live availability (polled), added to the cart. */
import { useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatMoney } from '../format.ts';
import { graphql } from '../gql/index.ts';
import { useCart } from '../shop/cart.tsx';
import { maxQuantity } from '../shop/cart-state.ts';

export const ShopProductsQuery = graphql(`
  query ShopProducts($first: Int!) {
    products(first: $first) {
      edges {
        node {
          id
          sku
          name
          description
          price {
            amount
            currency
          }
          available
        }
      }
    }
  }
`);

/** How often availability is asked again: stock moves as other people order. */
export const availabilityPollMs = 5_000;

export function availabilityText(available: number): { text: string; className: string } {
  if (available <= 0) return { text: 'Out of stock', className: 'stock-out' };
  if (available < 5) return { text: `Only ${available} left`, className: 'stock-low' };
  return { text: `${available} in stock`, className: 'stock-ok' };
}

type Product = NonNullable<ReturnType<typeof useProducts>['products']>[number];

function useProducts() {
  const { data, error, loading } = useQuery(ShopProductsQuery, {
    variables: { first: 50 },
    pollInterval: availabilityPollMs,
  });
  return { products: data?.products.edges.map((e) => e.node), error, loading };
}

function ProductCard({ product }: { product: Product }) {
  const { lines, dispatch } = useCart();
  const [quantity, setQuantity] = useState(1);
  const inCart = lines.find((l) => l.productId === product.id)?.quantity ?? 0;
  const availability = availabilityText(product.available);
  const headingId = `product-${product.id}`;
  return (
    <li className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{product.name}</h2>
      <p className="muted">{product.description}</p>
      <p className="price">{formatMoney(product.price)}</p>
      <p className={availability.className} aria-live="polite">
        {availability.text}
      </p>
      <div className="row">
        <label className="row">
          <span>Qty</span>
          <input
            className="qty"
            type="number"
            min={1}
            max={maxQuantity}
            value={quantity}
            aria-label={`Quantity of ${product.name}`}
            onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <button
          type="button"
          disabled={product.available <= 0}
          aria-label={`Add ${product.name} to cart`}
          onClick={() =>
            dispatch({
              type: 'add',
              line: {
                productId: product.id,
                name: product.name,
                unitAmount: product.price.amount,
                currency: product.price.currency,
              },
              quantity,
            })
          }
        >
          Add to cart
        </button>
      </div>
      {inCart > 0 && <p className="muted">{inCart} in your cart</p>}
    </li>
  );
}

export function Shop() {
  const { products, error, loading } = useProducts();
  return (
    <section>
      <h1>Shop</h1>
      {error && !products && <ErrorMessage error={error} />}
      {loading && !products && <p aria-busy="true">Loading products…</p>}
      {products && products.length === 0 && <p>No products yet.</p>}
      {products && (
        <ul className="grid" aria-label="Products">
          {products.map((product) => (
            <ProductCard key={product.id} product={product} />
          ))}
        </ul>
      )}
    </section>
  );
}
