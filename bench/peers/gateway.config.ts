/**
 * Hive Gateway's configuration for the `gateway` benchmark (loaded by `hive-gateway supergraph` from
 * this folder): the Rust query planner and executor of `@graphql-hive/router-runtime`, as in the
 * Guild benchmark's "Hive Gateway with Rust QP" row. Logging follows LOG_LEVEL.
 */
import { defineConfig } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

export const gatewayConfig = defineConfig({ unifiedGraphHandler });
