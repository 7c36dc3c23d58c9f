/** Your orders, newest first, each linking to its page. */
import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { RequireSignIn } from '../components/RequireSignIn.tsx';
import { formatDateTime, formatMoney } from '../format.ts';
import { graphql } from '../gql/index.ts';

const MyOrdersQuery = graphql(`
  query MyOrders($first: Int!) {
    myOrders(first: $first) {
      edges {
        node {
          ...OrderStatusFields
          createdAt
          items {
            quantity
            product {
              id
              name
            }
          }
        }
      }
    }
  }
`);

function OrderList() {
  const { data, error, loading } = useQuery(MyOrdersQuery, { variables: { first: 50 }, fetchPolicy: 'cache-and-network' });
  const orders = data?.myOrders.edges.map((e) => e.node);
  if (error && !orders) return <ErrorMessage error={error} />;
  if (loading && !orders) return <p aria-busy="true">Loading your orders…</p>;
  if (!orders || orders.length === 0)
    return (
      <p>
        No orders yet. <Link to="/">Go to the shop</Link>
      </p>
    );
  return (
    <ul className="lines orders" aria-label="Orders">
      {orders.map((order) => {
        const summary = order.items.map((i) => `${i.quantity} × ${i.product.name}`).join(', ');
        return (
          <li key={order.id}>
            <Link
              to={`/orders/${order.id}`}
              aria-label={`Order of ${formatDateTime(order.createdAt)}: ${summary}, ${order.status}`}
            >
              {formatDateTime(order.createdAt)}
            </Link>
            <span>{summary}</span>
            <span>{formatMoney(order.total)}</span>
            <span className={`status ${order.status}`}>{order.status}</span>
          </li>
        );
      })}
    </ul>
  );
}

export function Orders() {
  return (
    <RequireSignIn>
      <section>
        <h1>Your orders</h1>
        <div className="panel">
          <OrderList />
        </div>
      </section>
    </RequireSignIn>
  );
}
