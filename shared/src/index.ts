export { AppError, isAppError, isPermanent, isUnavailable, type ErrorKind } from './errors.js';
export { createLogger, withLogContext, currentLogContext, type Logger, type LogContext } from './logger.js';
export { parseConfig, defineConfig, describeConfig, ConfigError, type ConfigSpec, type ConfigOf } from './config/spec.js';
export { apiConfig, authConfig, parseApiConfig } from './config/api-keys.js';
export { workerConfig, autocommitPoolConfig } from './config/worker-keys.js';
export { commonConfig, tracingConfig, streamConfigKeys, serviceConfigSpecs } from './config/keys.js';
export { ajv, validator, describeErrors, type Validator, type ValidationIssue } from './validation.js';
export { createRegistry, Counter, Gauge, Registry } from './metrics.js';
export { createDb, isDbReachable, splitDatabaseUrl, type Knex } from './db/database.js';
export { bootstrapDatabase, grantAppPrivileges, serviceRoles, withRole, type DatabaseRoles } from './db/roles.js';
export { createMessagingTables, dropMessagingTables, notifyOnEveryInsert, quietWhenHandedOff } from './db/messaging-tables.js';
export { addReplayRequests, createExhaustedTable, dropExhaustedTable, dropReplayRequests } from './db/exhausted-table.js';
export { addProcessedMessageDetails, dropProcessedMessageDetails } from './db/processed-details.js';
export { createRateLimitTable, dropRateLimitTable, RATE_LIMIT_TABLE } from './db/rate-limit-table.js';
export { createHttpApp, listen, type HttpAppOptions, type RunningServer } from './http/app.js';
export { createMetricsApp } from './http/metrics-app.js';
export { swaggerUiPage, swaggerUiAssets } from './http/docs-page.js';
export { route, anonymous, type RouteDefinition, type RouteRequest, type RouteResult } from './http/route.js';
export { createAuthenticator, authorize, isAdmin, issueToken, roles, principalIdPattern, type Access, type Authenticate, type AuthSettings, type Principal, type Role } from './http/auth.js';
export { rateLimitMiddleware, rateLimitHeaders, clientAddress, type RateLimitSettings, type RatePolicy } from './http/rate-limit.js';
export { connectNats, closeNats, isNatsReachable, inboxPrefixOf, type NatsConnection } from './nats/connection.js';
export { AsyncPublisher, type PubAck } from './nats/async-publisher.js';
export {
  Topology,
  declareTopology,
  declareConsumer,
  consumerName,
  streamConfig,
  consumerConfig,
  defaultStreamSettings,
  SPARE_DELIVERIES,
  type ConsumerDeclaration,
  type StreamSettings,
} from './nats/topology.js';
export * from './events/contracts.js';
export { formatMinorUnits, minorUnitDigits } from './money.js';
export { domainStreams, domainOwners, streamOf, producerOf, ownerSourceOf, type StreamName } from './nats/streams.js';
export { newEvent, envelopeHeaders, parseEnvelope, validateEventData, type EventEnvelope, type AnyEventEnvelope } from './events/envelope.js';
export { Outbox, insertOutboxRows, outboxTriggerSilenced, outboxColumns, type AfterCommit, type PendingEvent, type RelayHandOff } from './outbox/outbox.js';
export { connectionOf, runStatement, type RawConnection, type Statement } from './db/statements.js';
export { GroupCommit, inTransactionOn, withConnection } from './db/group-commit.js';
export { CommitNotifier } from './db/commit-notifier.js';
export { OutboxRelay, type RelayOptions } from './outbox/relay.js';
export { ConsumerRunner, type ConsumerRunnerOptions } from './consumer/runner.js';
export { backoff, deliveriesWithin, nominalBackoff, type RetryPolicy } from './consumer/retry.js';
export { ConsumerLagMonitor, consumerState, readConsumerStates, type ConsumerLagOptions, type ConsumerState } from './consumer/lag.js';
export { subscribe, type Subscription, type SubscriptionOptions, type LockKey, type EventHandler, type ExhaustedHandler, type MessageWork } from './consumer/subscription.js';
export { inTransaction, Prefetched, type PrefetchedKind, type UnitOfWork, type Write, type UnitOfWorkDeps, type EventWriter, type BulkWrite, type BulkWriter } from './unit-of-work.js';
export { migrate, migrationSource, type MigrateOptions, type ServiceDescriptor, type Migration } from './migrate.js';
export { readStream, type StoredMessage } from './nats/read-stream.js';
export { runService, runServiceComponents, serviceComponent, runProcess, exitCodes, type ServiceComponent, type Stoppable } from './process/run-service.js';
export { waitFor } from './process/dependencies.js';
export { openResources, redact, type Resources, type ResourceSettings } from './process/resources.js';
export { startApiProcess, type ApiDefinition, type RunningApi } from './process/api-process.js';
export { startWorkerProcess, type RunningWorkerProcess, type WorkerProcessConfig } from './process/worker-process.js';
export { startTracing, parseTraceparent, formatTraceparent, type Tracing, type TracingSettings } from './tracing.js';
export { listDeadLetters, replayDeadLetter, type DeadLetter, type ReplayOutcome } from './dead-letters.js';
export { adminRoutes, type OrderRecordsReader } from './admin/admin-routes.js';
export { readConsumersAndOutbox, readDeadLetters, readHandled, type AdminDeps } from './admin/admin-queries.js';
export { OrderRecord, OrderRecordsBody, ConsumersBody, DeadLettersBody, ReplayBody, HandledEvent } from './admin/admin-schemas.js';
