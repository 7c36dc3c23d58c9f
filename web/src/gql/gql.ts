/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": typeof types.LogoutAllDocument,
    "\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n": typeof types.CheckoutAddressesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      cancelReason\n      createdAt\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      payment {\n        id\n        status\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrderPageDocument,
    "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      cancelReason\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      payment {\n        id\n        status\n      }\n    }\n  }\n": typeof types.OrderLiveDocument,
    "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n": typeof types.CancelOrderDocument,
    "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          id\n          status\n          cancelReason\n          createdAt\n          total {\n            amount\n            currency\n          }\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
    "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n": typeof types.ShopProductsDocument,
    "\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n": typeof types.ViewerDocument,
};
const documents: Documents = {
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": types.LogoutAllDocument,
    "\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n": types.CheckoutAddressesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      cancelReason\n      createdAt\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      payment {\n        id\n        status\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n": types.OrderPageDocument,
    "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      cancelReason\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      payment {\n        id\n        status\n      }\n    }\n  }\n": types.OrderLiveDocument,
    "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n": types.CancelOrderDocument,
    "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          id\n          status\n          cancelReason\n          createdAt\n          total {\n            amount\n            currency\n          }\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": types.MyOrdersDocument,
    "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n": types.ShopProductsDocument,
    "\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogoutAll {\n    logoutAll\n  }\n"): (typeof documents)["\n  mutation LogoutAll {\n    logoutAll\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n"): (typeof documents)["\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      cancelReason\n      createdAt\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      payment {\n        id\n        status\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      id\n      status\n      cancelReason\n      createdAt\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      payment {\n        id\n        status\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      cancelReason\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      payment {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      cancelReason\n      total {\n        amount\n        currency\n      }\n      history {\n        status\n        reason\n        at\n      }\n      payment {\n        id\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          id\n          status\n          cancelReason\n          createdAt\n          total {\n            amount\n            currency\n          }\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          id\n          status\n          cancelReason\n          createdAt\n          total {\n            amount\n            currency\n          }\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;