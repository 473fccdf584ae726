// Helpers for tests of services (`@shopmesh/service-kit/testing`): real servers, never mocks.
export { createTestDatabase, type TestDatabase } from './testing/database.ts';
export { freeTcpPort, listenOnFreePort, startTcpProxy, type TcpProxy } from './testing/network.ts';
export { uniqueSuffix } from './testing/names.ts';
export { eventually, type EventuallyOptions } from './testing/eventually.ts';
export { leaseRedisDatabase, type RedisDatabaseLease } from './testing/redis.ts';
export { callJson, waitUntilReady, type CallOptions, type Json, type JsonAnswer } from './testing/http.ts';
export {
  collectEvents,
  createTestTopics,
  type EventCollector,
  type RecordedEvent,
  type TestTopics,
} from './testing/kafka.ts';
