export { testInfra, stopTestInfra, createTestDatabase, uniqueNamespace, testNatsConnection, deleteNamespaceStreams, type TestInfra, type TestDatabase } from './infra.js';
export { readStream, type StoredMessage } from '../nats/read-stream.js';
export { eventually, sleep } from './eventually.js';
export { startServiceUnderTest, testLog, type ServiceUnderTest } from './service.js';
export { publishEvent } from './publish.js';
export { call } from './http.js';
export { recordSpans, type RecordedSpans } from './tracing.js';
export { scrapeMetrics, type ScrapedMetrics } from './metrics.js';
