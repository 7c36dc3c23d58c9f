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
    "\n  query DeadLetters {\n    deadLetters(last: 50) {\n      id\n      eventId\n      topic\n      group\n      error\n      reason\n      deliveries\n      payload\n      occurredAt\n      deadAt\n    }\n  }\n": typeof types.DeadLettersDocument,
    "\n  mutation ReplayDeadLetter($id: String!) {\n    replayDeadLetter(id: $id) {\n      id\n    }\n  }\n": typeof types.ReplayDeadLetterDocument,
    "\n  query FailedDocumentJobs {\n    failedDocumentJobs(last: 50) {\n      id\n      status\n      attempts\n      failureReason\n      createdAt\n      finishedAt\n      document {\n        id\n        filename\n        contentType\n        owner {\n          id\n        }\n      }\n    }\n  }\n": typeof types.FailedDocumentJobsDocument,
    "\n  query AdminProducts {\n    products(first: 100) {\n      edges {\n        node {\n          id\n          sku\n          name\n          available\n        }\n      }\n    }\n    warehouses {\n      id\n      code\n      name\n    }\n  }\n": typeof types.AdminProductsDocument,
    "\n  mutation AdjustStock($input: StockAdjustmentInput!) {\n    adjustStock(input: $input) {\n      warehouseId\n      onHand\n      reserved\n      product {\n        id\n        name\n        available\n      }\n    }\n  }\n": typeof types.AdjustStockDocument,
    "\n  fragment DocumentJobFields on DocumentJob {\n    id\n    status\n    progress\n    attempts\n    failureReason\n    text\n    pageCount\n    createdAt\n    finishedAt\n  }\n": typeof types.DocumentJobFieldsFragmentDoc,
    "\n  fragment DocumentFields on Document {\n    id\n    filename\n    contentType\n    size\n    status\n    createdAt\n    jobs {\n      ...DocumentJobFields\n    }\n  }\n": typeof types.DocumentFieldsFragmentDoc,
    "\n  fragment JobWithDocumentFields on DocumentJob {\n    ...DocumentJobFields\n    document {\n      id\n      status\n      jobs {\n        ...DocumentJobFields\n      }\n    }\n  }\n": typeof types.JobWithDocumentFieldsFragmentDoc,
    "\n  query MyDocuments($first: Int!) {\n    myDocuments(first: $first) {\n      edges {\n        node {\n          ...DocumentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.MyDocumentsDocument,
    "\n  mutation CreateDocumentUpload($input: DocumentUploadInput!) {\n    createDocumentUpload(input: $input) {\n      document {\n        ...DocumentFields\n      }\n      uploadUrl\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n    }\n  }\n": typeof types.CreateDocumentUploadDocument,
    "\n  mutation SubmitDocument($id: ID!) {\n    submitDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n": typeof types.SubmitDocumentDocument,
    "\n  mutation ReprocessDocument($id: ID!) {\n    reprocessDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n": typeof types.ReprocessDocumentDocument,
    "\n  mutation DeleteDocument($id: ID!) {\n    deleteDocument(id: $id)\n  }\n": typeof types.DeleteDocumentDocument,
    "\n  query DocumentDownload($id: ID!) {\n    document(id: $id) {\n      id\n      downloadUrl\n    }\n  }\n": typeof types.DocumentDownloadDocument,
    "\n  subscription DocumentJobUpdated($jobId: ID!) {\n    documentJobUpdated(jobId: $jobId) {\n      ...DocumentJobFields\n      document {\n        id\n        status\n      }\n    }\n  }\n": typeof types.DocumentJobUpdatedDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": typeof types.LogoutAllDocument,
    "\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n": typeof types.CheckoutAddressesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      ...OrderProgressFields\n      createdAt\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrderPageDocument,
    "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      ...OrderProgressFields\n    }\n  }\n": typeof types.OrderLiveDocument,
    "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n": typeof types.CancelOrderDocument,
    "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          ...OrderStatusFields\n          createdAt\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
    "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n": typeof types.ShopProductsDocument,
    "\n  fragment OrderStatusFields on Order {\n    id\n    status\n    cancelReason\n    total {\n      amount\n      currency\n    }\n  }\n": typeof types.OrderStatusFieldsFragmentDoc,
    "\n  fragment OrderProgressFields on Order {\n    ...OrderStatusFields\n    history {\n      status\n      reason\n      at\n    }\n    payment {\n      id\n      status\n    }\n  }\n": typeof types.OrderProgressFieldsFragmentDoc,
    "\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n": typeof types.ViewerDocument,
};
const documents: Documents = {
    "\n  query DeadLetters {\n    deadLetters(last: 50) {\n      id\n      eventId\n      topic\n      group\n      error\n      reason\n      deliveries\n      payload\n      occurredAt\n      deadAt\n    }\n  }\n": types.DeadLettersDocument,
    "\n  mutation ReplayDeadLetter($id: String!) {\n    replayDeadLetter(id: $id) {\n      id\n    }\n  }\n": types.ReplayDeadLetterDocument,
    "\n  query FailedDocumentJobs {\n    failedDocumentJobs(last: 50) {\n      id\n      status\n      attempts\n      failureReason\n      createdAt\n      finishedAt\n      document {\n        id\n        filename\n        contentType\n        owner {\n          id\n        }\n      }\n    }\n  }\n": types.FailedDocumentJobsDocument,
    "\n  query AdminProducts {\n    products(first: 100) {\n      edges {\n        node {\n          id\n          sku\n          name\n          available\n        }\n      }\n    }\n    warehouses {\n      id\n      code\n      name\n    }\n  }\n": types.AdminProductsDocument,
    "\n  mutation AdjustStock($input: StockAdjustmentInput!) {\n    adjustStock(input: $input) {\n      warehouseId\n      onHand\n      reserved\n      product {\n        id\n        name\n        available\n      }\n    }\n  }\n": types.AdjustStockDocument,
    "\n  fragment DocumentJobFields on DocumentJob {\n    id\n    status\n    progress\n    attempts\n    failureReason\n    text\n    pageCount\n    createdAt\n    finishedAt\n  }\n": types.DocumentJobFieldsFragmentDoc,
    "\n  fragment DocumentFields on Document {\n    id\n    filename\n    contentType\n    size\n    status\n    createdAt\n    jobs {\n      ...DocumentJobFields\n    }\n  }\n": types.DocumentFieldsFragmentDoc,
    "\n  fragment JobWithDocumentFields on DocumentJob {\n    ...DocumentJobFields\n    document {\n      id\n      status\n      jobs {\n        ...DocumentJobFields\n      }\n    }\n  }\n": types.JobWithDocumentFieldsFragmentDoc,
    "\n  query MyDocuments($first: Int!) {\n    myDocuments(first: $first) {\n      edges {\n        node {\n          ...DocumentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.MyDocumentsDocument,
    "\n  mutation CreateDocumentUpload($input: DocumentUploadInput!) {\n    createDocumentUpload(input: $input) {\n      document {\n        ...DocumentFields\n      }\n      uploadUrl\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n    }\n  }\n": types.CreateDocumentUploadDocument,
    "\n  mutation SubmitDocument($id: ID!) {\n    submitDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n": types.SubmitDocumentDocument,
    "\n  mutation ReprocessDocument($id: ID!) {\n    reprocessDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n": types.ReprocessDocumentDocument,
    "\n  mutation DeleteDocument($id: ID!) {\n    deleteDocument(id: $id)\n  }\n": types.DeleteDocumentDocument,
    "\n  query DocumentDownload($id: ID!) {\n    document(id: $id) {\n      id\n      downloadUrl\n    }\n  }\n": types.DocumentDownloadDocument,
    "\n  subscription DocumentJobUpdated($jobId: ID!) {\n    documentJobUpdated(jobId: $jobId) {\n      ...DocumentJobFields\n      document {\n        id\n        status\n      }\n    }\n  }\n": types.DocumentJobUpdatedDocument,
    "\n  mutation LogoutAll {\n    logoutAll\n  }\n": types.LogoutAllDocument,
    "\n  query CheckoutAddresses {\n    me {\n      id\n      addresses {\n        id\n        label\n        line1\n        city\n        country\n        isDefault\n      }\n    }\n  }\n": types.CheckoutAddressesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {\n    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {\n      id\n      status\n      createdAt\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      ...OrderProgressFields\n      createdAt\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n": types.OrderPageDocument,
    "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      ...OrderProgressFields\n    }\n  }\n": types.OrderLiveDocument,
    "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n": types.CancelOrderDocument,
    "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          ...OrderStatusFields\n          createdAt\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": types.MyOrdersDocument,
    "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n": types.ShopProductsDocument,
    "\n  fragment OrderStatusFields on Order {\n    id\n    status\n    cancelReason\n    total {\n      amount\n      currency\n    }\n  }\n": types.OrderStatusFieldsFragmentDoc,
    "\n  fragment OrderProgressFields on Order {\n    ...OrderStatusFields\n    history {\n      status\n      reason\n      at\n    }\n    payment {\n      id\n      status\n    }\n  }\n": types.OrderProgressFieldsFragmentDoc,
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
export function graphql(source: "\n  query DeadLetters {\n    deadLetters(last: 50) {\n      id\n      eventId\n      topic\n      group\n      error\n      reason\n      deliveries\n      payload\n      occurredAt\n      deadAt\n    }\n  }\n"): (typeof documents)["\n  query DeadLetters {\n    deadLetters(last: 50) {\n      id\n      eventId\n      topic\n      group\n      error\n      reason\n      deliveries\n      payload\n      occurredAt\n      deadAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReplayDeadLetter($id: String!) {\n    replayDeadLetter(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation ReplayDeadLetter($id: String!) {\n    replayDeadLetter(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FailedDocumentJobs {\n    failedDocumentJobs(last: 50) {\n      id\n      status\n      attempts\n      failureReason\n      createdAt\n      finishedAt\n      document {\n        id\n        filename\n        contentType\n        owner {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FailedDocumentJobs {\n    failedDocumentJobs(last: 50) {\n      id\n      status\n      attempts\n      failureReason\n      createdAt\n      finishedAt\n      document {\n        id\n        filename\n        contentType\n        owner {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminProducts {\n    products(first: 100) {\n      edges {\n        node {\n          id\n          sku\n          name\n          available\n        }\n      }\n    }\n    warehouses {\n      id\n      code\n      name\n    }\n  }\n"): (typeof documents)["\n  query AdminProducts {\n    products(first: 100) {\n      edges {\n        node {\n          id\n          sku\n          name\n          available\n        }\n      }\n    }\n    warehouses {\n      id\n      code\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustStock($input: StockAdjustmentInput!) {\n    adjustStock(input: $input) {\n      warehouseId\n      onHand\n      reserved\n      product {\n        id\n        name\n        available\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustStock($input: StockAdjustmentInput!) {\n    adjustStock(input: $input) {\n      warehouseId\n      onHand\n      reserved\n      product {\n        id\n        name\n        available\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DocumentJobFields on DocumentJob {\n    id\n    status\n    progress\n    attempts\n    failureReason\n    text\n    pageCount\n    createdAt\n    finishedAt\n  }\n"): (typeof documents)["\n  fragment DocumentJobFields on DocumentJob {\n    id\n    status\n    progress\n    attempts\n    failureReason\n    text\n    pageCount\n    createdAt\n    finishedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DocumentFields on Document {\n    id\n    filename\n    contentType\n    size\n    status\n    createdAt\n    jobs {\n      ...DocumentJobFields\n    }\n  }\n"): (typeof documents)["\n  fragment DocumentFields on Document {\n    id\n    filename\n    contentType\n    size\n    status\n    createdAt\n    jobs {\n      ...DocumentJobFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobWithDocumentFields on DocumentJob {\n    ...DocumentJobFields\n    document {\n      id\n      status\n      jobs {\n        ...DocumentJobFields\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment JobWithDocumentFields on DocumentJob {\n    ...DocumentJobFields\n    document {\n      id\n      status\n      jobs {\n        ...DocumentJobFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyDocuments($first: Int!) {\n    myDocuments(first: $first) {\n      edges {\n        node {\n          ...DocumentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyDocuments($first: Int!) {\n    myDocuments(first: $first) {\n      edges {\n        node {\n          ...DocumentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDocumentUpload($input: DocumentUploadInput!) {\n    createDocumentUpload(input: $input) {\n      document {\n        ...DocumentFields\n      }\n      uploadUrl\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation CreateDocumentUpload($input: DocumentUploadInput!) {\n    createDocumentUpload(input: $input) {\n      document {\n        ...DocumentFields\n      }\n      uploadUrl\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubmitDocument($id: ID!) {\n    submitDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n"): (typeof documents)["\n  mutation SubmitDocument($id: ID!) {\n    submitDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReprocessDocument($id: ID!) {\n    reprocessDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n"): (typeof documents)["\n  mutation ReprocessDocument($id: ID!) {\n    reprocessDocument(id: $id) {\n      ...JobWithDocumentFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteDocument($id: ID!) {\n    deleteDocument(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteDocument($id: ID!) {\n    deleteDocument(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DocumentDownload($id: ID!) {\n    document(id: $id) {\n      id\n      downloadUrl\n    }\n  }\n"): (typeof documents)["\n  query DocumentDownload($id: ID!) {\n    document(id: $id) {\n      id\n      downloadUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DocumentJobUpdated($jobId: ID!) {\n    documentJobUpdated(jobId: $jobId) {\n      ...DocumentJobFields\n      document {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription DocumentJobUpdated($jobId: ID!) {\n    documentJobUpdated(jobId: $jobId) {\n      ...DocumentJobFields\n      document {\n        id\n        status\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      ...OrderProgressFields\n      createdAt\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrderPage($id: ID!) {\n    order(id: $id) {\n      ...OrderProgressFields\n      createdAt\n      items {\n        quantity\n        unitPrice {\n          amount\n          currency\n        }\n        lineTotal {\n          amount\n          currency\n        }\n        product {\n          id\n          name\n        }\n      }\n      ... @defer(label: \"paymentDetails\") {\n        payment {\n          id\n          provider\n          createdAt\n          amount {\n            amount\n            currency\n          }\n          attempts {\n            succeeded\n            failureReason\n            at\n          }\n          refunds {\n            id\n            status\n            amount {\n              amount\n              currency\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      ...OrderProgressFields\n    }\n  }\n"): (typeof documents)["\n  subscription OrderLive($id: ID!) {\n    orderUpdated(id: $id) {\n      ...OrderProgressFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelOrder($id: ID!) {\n    cancelOrder(id: $id) {\n      id\n      status\n      cancelReason\n      history {\n        status\n        reason\n        at\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          ...OrderStatusFields\n          createdAt\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrders($first: Int!) {\n    myOrders(first: $first) {\n      edges {\n        node {\n          ...OrderStatusFields\n          createdAt\n          items {\n            quantity\n            product {\n              id\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ShopProducts($first: Int!) {\n    products(first: $first) {\n      edges {\n        node {\n          id\n          sku\n          name\n          description\n          price {\n            amount\n            currency\n          }\n          available\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderStatusFields on Order {\n    id\n    status\n    cancelReason\n    total {\n      amount\n      currency\n    }\n  }\n"): (typeof documents)["\n  fragment OrderStatusFields on Order {\n    id\n    status\n    cancelReason\n    total {\n      amount\n      currency\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderProgressFields on Order {\n    ...OrderStatusFields\n    history {\n      status\n      reason\n      at\n    }\n    payment {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  fragment OrderProgressFields on Order {\n    ...OrderStatusFields\n    history {\n      status\n      reason\n      at\n    }\n    payment {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    me {\n      id\n      displayName\n      roles\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;