/**
 * The real `redis-server` of the relay-cluster tests: one helper for both packages' cluster suites (the
 * client package's has the superset, with append-only persistence for its restart test).
 */
export { RedisServer, redisAvailable } from '../../../client/test/support/redis-server.js';
