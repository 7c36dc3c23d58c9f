/** The shared kit: what the router and every subgraph use. Nothing here knows a domain. */
export {
  assertOwnerOrAdmin,
  bearerToken,
  canSee,
  requireAdmin,
  createJwksVerifier,
  createVerifier,
  requireViewer,
  viewerOf,
  type Role,
  type TokenSettings,
  type TokenVerifier,
  type Viewer,
} from './auth.js';
export {
  defaultPorts,
  proxyListSetting,
  readCommonConfig,
  readSubgraphConfig,
  stopOnSignals,
  subgraphNames,
  type CommonConfig,
  type Env,
  type EventsConfig,
  type SubgraphConfig,
  type SubgraphName,
} from './config.js';
export {
  dropDatabase,
  ensureDatabase,
  isUniqueViolation,
  migrate,
  migrationsDir,
  openDatabase,
  pgAdapter,
  pgPool,
  sqlClient,
  sqlEvents,
  sqlState,
  type SqlClient,
  type SqlRunner,
} from './database.js';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
export {
  assertNever,
  badInput,
  createErrorFormatter,
  errorLoggingPlugin,
  DomainError,
  errorCodes,
  forbidden,
  graphQLErrorOf,
  notFound,
  serviceUnavailable,
  unauthenticated,
  type ErrorCode,
} from './errors.js';
export {
  createInProcessEventBus,
  createRedisEventBus,
  defaultDeliveryPolicy,
  domainEvent,
  type DeadLetter,
  type DeliveryPolicy,
  type DomainEvent,
  type EventBus,
  type EventHandler,
} from './events.js';
export { clientAddressOf, loopbackProxies, trustedProxies, type TrustedProxies } from './client-address.js';
export { correlationHeader, startHttpServer, type HttpServerOptions, type Route, type RunningHttpServer } from './http-server.js';
export { groupLoader, rowLoader, DataLoader } from './loaders.js';
export { createLogger, type Logger } from './logger.js';
export {
  effectsSql,
  outboxEvent,
  startOutboxRelay,
  writeEffects,
  type ChangeEffects,
  type EffectsSqlOptions,
  type HandledEvent,
  type OutboxEvent,
  type OutboxRelay,
  type RawSqlClient,
  type RawSqlTransaction,
} from './outbox.js';
export {
  afterCursor,
  decodeCursor,
  encodeCursor,
  maxPageSize,
  newestFirst,
  pageArgs,
  toConnection,
  type Connection,
  type Cursor,
  type PageArgs,
} from './pagination.js';
export {
  readSchemaFile,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphContext,
  type SubgraphOptions,
} from './subgraph-server.js';
export { DateTimeScalar } from './scalars.js';
export { connectRedis, connectSharedAdapters, redisClientOptions, runSubgraphProcess, type SharedAdapters } from './process.js';
export {
  createObjectStore,
  objectStoreConfigFromEnv,
  startEmbeddedS3,
  type ObjectInfo,
  type ObjectStore,
  type ObjectStoreConfig,
  type PresignedUpload,
} from './object-store.js';
export { isUuid } from './ids.js';
export { backoffDelay, failureKindOf, InvalidMessage, TransientFailure, type FailureKind } from './failures.js';
export { createDocumentCache, parseOperation, type DocumentCache } from './document-cache.js';
export { StateStream } from './state-stream.js';
export {
  createInProcessPubSub,
  createRedisPubSub,
  type MessageListener,
  type PubSub,
  type RedisPubSubOptions,
} from './pubsub.js';
export {
  mapAsyncIterable,
  startGraphQLWs,
  type GraphQLWsOptions,
  type GraphQLWsServer,
  type WsExtra,
  type WsServerOptions,
} from './graphql-ws-server.js';
export { liveFeed, type LiveView } from './live-feed.js';
export { visibleText } from './text.js';
export {
  assertWithinLimit,
  createInProcessRateLimiter,
  createRedisRateLimiter,
  createInProcessTokenBuckets,
  createRedisTokenBuckets,
  defaultRateLimitPrefix,
  parseTokenBucket,
  type RateLimit,
  type RateLimiter,
  type RateLimitState,
  type TakeResult,
  type TokenBucket,
  type TokenBuckets,
  type TokenClaim,
} from './rate-limiter.js';
export {
  createBullJobQueue,
  createInProcessJobQueue,
  defaultJobPolicy,
  isFinalFailure,
  PermanentJobFailure,
  type JobAttempt,
  type JobHandler,
  type JobPolicy,
  type JobQueue,
} from './job-queue.js';
