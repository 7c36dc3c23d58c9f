/**
 * The order fields the order pages share (typed by the client preset): the list's summary, and what
 * the order page reads once and then takes from each `orderUpdated` event.
 */
import { graphql } from '../gql/index.ts';

/** Where an order stands and what it costs: a row of the order list, the head of the order page. */
export const OrderStatusFieldsFragment = graphql(`
  fragment OrderStatusFields on Order {
    id
    status
    cancelReason
    total {
      amount
      currency
    }
  }
`);

/** What moves while an order is processed: its status, timeline and payment status (the page and its subscription). */
export const OrderProgressFieldsFragment = graphql(`
  fragment OrderProgressFields on Order {
    ...OrderStatusFields
    history {
      status
      reason
      at
    }
    payment {
      id
      status
    }
  }
`);
