/** The cart and checkout: lines, totals, shipping address, test card, and `placeOrder` with one key per attempt. */
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { Link, useNavigate } from 'react-router';
import { useSessionState } from '../app-context.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatMoney } from '../format.ts';
import { graphql } from '../gql/index.ts';
import { useCart } from '../shop/cart.tsx';
import { cartTotals, maxQuantity } from '../shop/cart-state.ts';
import { checkoutFingerprint, createAttemptKeys, testCards } from '../shop/checkout.ts';

const CheckoutAddressesQuery = graphql(`
  query CheckoutAddresses {
    me {
      id
      addresses {
        id
        label
        line1
        city
        country
        isDefault
      }
    }
  }
`);

const PlaceOrderMutation = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {
    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {
      id
      status
      createdAt
    }
  }
`);

function Checkout() {
  const { lines, dispatch } = useCart();
  const navigate = useNavigate();
  const { data } = useQuery(CheckoutAddressesQuery);
  const addresses = data?.me?.addresses ?? [];
  const [paymentMethod, setPaymentMethod] = useState<string>('tok_visa');
  const [chosenAddress, setChosenAddress] = useState<string>();
  const addressId = chosenAddress ?? addresses.find((a) => a.isDefault)?.id ?? addresses[0]?.id;
  const keys = useRef(createAttemptKeys()).current;
  const [placeOrder, { loading, error }] = useMutation(PlaceOrderMutation);
  const inFlight = useRef(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    // A second click while the first is on its way sends nothing; were it sent, its key would be the same.
    if (inFlight.current || lines.length === 0) return;
    inFlight.current = true;
    const idempotencyKey = keys.keyFor(checkoutFingerprint(lines, paymentMethod, addressId));
    try {
      const result = await placeOrder({
        variables: {
          idempotencyKey,
          input: {
            items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
            paymentMethod,
            ...(addressId ? { shippingAddressId: addressId } : {}),
          },
        },
      });
      const order = result.data?.placeOrder;
      if (order) {
        keys.renew();
        dispatch({ type: 'clear' });
        navigate(`/orders/${order.id}`);
      }
    } catch {
      // Shown from the mutation's `error`; the key stays, so trying again cannot order twice.
    } finally {
      inFlight.current = false;
    }
  }

  return (
    <form className="stack panel" onSubmit={submit} aria-label="Checkout">
      <h2>Checkout</h2>
      {addresses.length > 0 && (
        <label>
          Ship to
          <select value={addressId} onChange={(e) => setChosenAddress(e.target.value)}>
            {addresses.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}: {a.line1}, {a.city} ({a.country})
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Card
        <select value={paymentMethod} onChange={(e) => setPaymentMethod(e.target.value)}>
          {testCards.map((card) => (
            <option key={card.token} value={card.token}>
              {card.label}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">Test mode: the cards are the payment simulator&apos;s test tokens; nothing is really charged.</p>
      <ErrorMessage error={error} />
      <button type="submit" disabled={loading || lines.length === 0}>
        {loading ? 'Placing order…' : 'Place order'}
      </button>
    </form>
  );
}

export function Cart() {
  const { lines, dispatch } = useCart();
  const session = useSessionState();
  const totals = useMemo(() => cartTotals(lines), [lines]);
  return (
    <section>
      <h1>Cart</h1>
      {lines.length === 0 ? (
        <p>
          Your cart is empty. <Link to="/">Go to the shop</Link>
        </p>
      ) : (
        <div className="two-columns">
          <div className="panel">
            <ul className="lines" aria-label="Cart items">
              {lines.map((line) => (
                <li key={line.productId}>
                  <span>{line.name}</span>
                  <span className="row">
                    <input
                      className="qty"
                      type="number"
                      min={1}
                      max={maxQuantity}
                      value={line.quantity}
                      aria-label={`Quantity of ${line.name}`}
                      onChange={(e) =>
                        dispatch({ type: 'set-quantity', productId: line.productId, quantity: Number(e.target.value) })
                      }
                    />
                    <span>{formatMoney({ amount: line.unitAmount * line.quantity, currency: line.currency })}</span>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Remove ${line.name} from cart`}
                      onClick={() => dispatch({ type: 'remove', productId: line.productId })}
                    >
                      Remove
                    </button>
                  </span>
                </li>
              ))}
            </ul>
            <p>
              Total: <strong>{totals.map((t) => formatMoney(t)).join(' + ')}</strong>
            </p>
            <p className="muted">The order is priced when its stock is reserved.</p>
          </div>
          {session.status === 'signed-in' ? (
            <Checkout />
          ) : (
            <div className="panel">
              <p>Sign in to place your order.</p>
              <Link to="/signin?next=/cart">Sign in</Link>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
