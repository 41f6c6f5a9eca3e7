import { defineConfig } from 'vitest/config';

/**
 * The contract's core scenarios, run a second time against a Redis Cluster (3 masters + 3 replicas): the same
 * server code path serves a single Redis and a cluster. Suites that stop or pause their own single Redis, or
 * drive a browser, run once; so do those whose scripts another suite here already runs on the cluster (the
 * limits' single-key counters, the change races of message-changes), to keep CI's run short.
 */
const CORE_ON_CLUSTER = [
  'test/auth-login.test.ts',
  'test/login-codes.test.ts',
  'test/sessions.test.ts',
  'test/chats.test.ts',
  'test/messages.test.ts',
  'test/http-reads.test.ts',
  'test/presence.test.ts',
  'test/fanout.test.ts',
  'test/concurrency.test.ts',
  'test/multi-instance.test.ts',
  'test/sdk/delivery.test.ts',
  'test/cross-slot-steps.test.ts',
  'test/chat-cap.test.ts',
  'test/chat-pages.test.ts',
  'test/groups.test.ts',
  'test/group-concurrency.test.ts',
  'test/group-removal.test.ts',
  'test/blocks.test.ts',
  'test/receipts.test.ts',
  'test/message-changes.test.ts',
  'test/sdk/message-changes.test.ts',
  'test/message-receipts.test.ts',
  'test/sdk/receipts.test.ts',
  'test/media.test.ts',
  'test/push-queue.test.ts',
];

export default defineConfig({
  test: {
    // A test's own waits say what must happen by when; this only ends a test that hangs. Many tests start a
    // server of their own, some 1 s on an idle machine but up to 34 s measured at a load average of 14 on 2 cores.
    testTimeout: 90_000,
    // Hooks start Redis and servers: on a busy machine one server alone may take half a minute to get ready.
    hookTimeout: 120_000,
    // Integration suites start servers and Redis processes: a few at a time on a 2-core machine.
    pool: 'forks',
    // The AWS SDK warns at every S3 client made on Node 20 (its versions from 2027 want 22): noise in tests, and
    // in the servers they start (which inherit this environment).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'single',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['test/helpers/global-redis.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: CORE_ON_CLUSTER,
          globalSetup: ['test/helpers/global-redis-cluster.ts'],
        },
      },
    ],
  },
});
