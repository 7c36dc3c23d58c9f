/**
 * One order: the status timeline filled live by `orderUpdated`, the items with product names, the
 * payment (its status at once, its details under `@defer`), and cancel while the order allows it.
 */
import { useEffect } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { RequireSignIn } from '../components/RequireSignIn.tsx';
import { cancelReasonText, errorInfo } from '../errors.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import { graphql } from '../gql/index.ts';
import { cancellable, finalStatus, orderTimeline } from '../shop/order-timeline.ts';

const OrderPageQuery = graphql(`
  query OrderPage($id: ID!) {
    order(id: $id) {
      ...OrderProgressFields
      createdAt
      items {
        quantity
        unitPrice {
          amount
          currency
        }
        lineTotal {
          amount
          currency
        }
        product {
          id
          name
        }
      }
      ... @defer(label: "paymentDetails") {
        payment {
          id
          provider
          createdAt
          amount {
            amount
            currency
          }
          attempts {
            succeeded
            failureReason
            at
          }
          refunds {
            id
            status
            amount {
              amount
              currency
            }
          }
        }
      }
    }
  }
`);

const OrderLiveSubscription = graphql(`
  subscription OrderLive($id: ID!) {
    orderUpdated(id: $id) {
      ...OrderProgressFields
    }
  }
`);

const CancelOrderMutation = graphql(`
  mutation CancelOrder($id: ID!) {
    cancelOrder(id: $id) {
      id
      status
      cancelReason
      history {
        status
        reason
        at
      }
    }
  }
`);

function NotFound() {
  return (
    <section className="panel">
      <h1>Order not found</h1>
      <p>There is no order with this address that you can see.</p>
      <Link to="/orders">Your orders</Link>
    </section>
  );
}

type PaymentDetails = {
  provider?: string;
  createdAt?: string;
  amount?: { amount: number; currency: string };
  attempts?: { succeeded: boolean; failureReason?: string | null; at: string }[];
  refunds?: { id: string; status: string; amount: { amount: number; currency: string } }[];
};

function OrderView({ id }: { id: string }) {
  const { data, error, loading, refetch } = useQuery(OrderPageQuery, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const order = data?.order;
  const live = useSubscription(OrderLiveSubscription, {
    variables: { id },
    skip: !order || finalStatus(order.status),
  });
  const [cancelOrder, cancelling] = useMutation(CancelOrderMutation);

  // The subscription brings the status; the details that change with it (payment attempts, refunds) are read again.
  const liveStatus = live.data?.orderUpdated.status;
  const livePayment = live.data?.orderUpdated.payment?.status;
  useEffect(() => {
    if (liveStatus) void refetch();
  }, [liveStatus, livePayment, refetch]);

  if (!order) {
    if (loading) return <p aria-busy="true">Loading the order…</p>;
    const code = errorInfo(error).code;
    // Someone else's order reads as null; an id that is not an order's is refused as bad input.
    if (!error || code === 'NOT_FOUND' || code === 'BAD_USER_INPUT' || code === 'FORBIDDEN') return <NotFound />;
    return <ErrorMessage error={error} />;
  }

  // The live event is as new as anything the query read, or newer.
  const current = { ...order, ...(live.data?.orderUpdated ?? {}) };
  const payment = { ...(order.payment ?? {}), ...(current.payment ?? {}) } as PaymentDetails & { id?: string; status?: string };
  const steps = orderTimeline(current.history, current.status);
  const declined = payment.attempts?.filter((a) => !a.succeeded && a.failureReason).at(-1)?.failureReason;

  return (
    <section>
      <h1>Order</h1>
      <div className="two-columns">
        <div className="panel">
          <p role="status" aria-live="polite">
            Status: <span className={`status ${current.status}`}>{current.status}</span>
          </p>
          {current.status === 'CANCELLED' && (
            <p className="error">
              {cancelReasonText(current.cancelReason)}
              {current.cancelReason === 'PAYMENT_DECLINED' && declined ? ` ${declined}.` : ''}
            </p>
          )}
          <h2>Timeline</h2>
          <ol className="timeline" aria-label="Status timeline">
            {steps.map((step) => (
              <li key={step.status} className={step.state} aria-current={step.state === 'current' ? 'step' : undefined}>
                <strong>{step.status}</strong>{' '}
                <span className="muted">{step.at ? formatDateTime(step.at) : step.state === 'ahead' ? 'not yet' : ''}</span>
              </li>
            ))}
          </ol>
          {!finalStatus(current.status) && (
            <p className="muted">{live.error ? 'Live updates stopped.' : 'Updates live as the order moves.'}</p>
          )}
          {live.error && <ErrorMessage error={live.error} />}
          <h2>Items</h2>
          <ul className="lines" aria-label="Order items">
            {order.items.map((item) => (
              <li key={item.product.id}>
                <span>
                  {item.quantity} × {item.product.name}
                </span>
                <span>{item.lineTotal ? formatMoney(item.lineTotal) : 'priced when reserved'}</span>
              </li>
            ))}
          </ul>
          <p>
            Total: <strong>{current.total ? formatMoney(current.total) : 'priced when the stock is reserved'}</strong>
          </p>
          <p className="muted">Placed {formatDateTime(order.createdAt)}</p>
          {cancellable(current.status) && (
            <div className="stack">
              <ErrorMessage error={cancelling.error} />
              <button
                type="button"
                className="danger"
                disabled={cancelling.loading}
                onClick={() => cancelOrder({ variables: { id } }).catch(() => undefined)}
              >
                Cancel order
              </button>
            </div>
          )}
        </div>
        <aside className="panel" aria-label="Payment">
          <h2>Payment</h2>
          {!payment.status ? (
            <p className="muted">No payment attempted yet.</p>
          ) : (
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <span className={`status ${payment.status}`}>{payment.status}</span>
              </dd>
              {payment.amount && (
                <>
                  <dt>Amount</dt>
                  <dd>{formatMoney(payment.amount)}</dd>
                </>
              )}
              {payment.provider && (
                <>
                  <dt>Provider</dt>
                  <dd>{payment.provider}</dd>
                </>
              )}
              {payment.attempts?.map((attempt, index) => (
                <div key={attempt.at} style={{ display: 'contents' }}>
                  <dt>Attempt {index + 1}</dt>
                  <dd>
                    {attempt.succeeded ? 'succeeded' : `refused: ${attempt.failureReason ?? 'no reason given'}`} (
                    {formatDateTime(attempt.at)})
                  </dd>
                </div>
              ))}
              {payment.refunds?.map((refund) => (
                <div key={refund.id} style={{ display: 'contents' }}>
                  <dt>Refund</dt>
                  <dd>
                    {formatMoney(refund.amount)} ({refund.status.toLowerCase()})
                  </dd>
                </div>
              ))}
            </dl>
          )}
          {payment.status && !payment.provider && <p aria-busy="true">Loading payment details…</p>}
        </aside>
      </div>
    </section>
  );
}

export function Order() {
  const { id = '' } = useParams();
  return (
    <RequireSignIn>
      <OrderView id={id} />
    </RequireSignIn>
  );
}
