/**
 * Redis that cannot be reached, or that stops answering, gives STORE_UNAVAILABLE: the call
 * settles (the test's own timeout would catch a hang) and nothing is queued for later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { RestDriver } from '../../src/store/redis/rest-driver.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { freePort } from '../support/free-port.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

describe('Redis unreachable', () => {
  it('answers STORE_UNAVAILABLE when nothing listens on the TCP port', async () => {
    const port = await freePort();
    const store = new RedisStore({ driver: new TcpDriver({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }), keyPrefix: testPrefix() });
    await expect(store.get('projects', 'alpha')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await store.close();
  });

  it('answers STORE_UNAVAILABLE when nothing listens behind the REST URL', async () => {
    const port = await freePort();
    const store = new RedisStore({ driver: new RestDriver({ url: `http://127.0.0.1:${port}`, token: 'x'.repeat(20) }), keyPrefix: testPrefix() });
    await expect(store.get('projects', 'alpha')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  describe('a Redis that stops answering', () => {
    let server: RedisServerHandle;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      server.sigcont();
      await server.stop();
    });

    it('times out each command instead of waiting, then recovers', async () => {
      const store = new RedisStore({ driver: new TcpDriver({ url: server.url, commandTimeoutMs: 300 }), keyPrefix: testPrefix() });
      await store.open();
      server.sigstop();
      const attempts = await Promise.allSettled(Array.from({ length: 20 }, () => store.get('projects', 'alpha')));
      server.sigcont();
      expect(attempts.every((attempt) => attempt.status === 'rejected' && (attempt.reason as { code?: string }).code === 'STORE_UNAVAILABLE')).toBe(true);
      await expect(store.get('projects', 'alpha')).resolves.toBeNull();
      await store.close();
    });
  });
});
