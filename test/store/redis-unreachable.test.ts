/**
 * Redis that cannot be reached, or that stops answering, gives STORE_UNAVAILABLE: the call
 * settles (the test's own timeout would catch a hang) and nothing is queued for later.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import { ContentService } from '../../src/service/content-service.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { ResilientDriver } from '../../src/store/redis/resilient-driver.js';
import { RestDriver } from '../../src/store/redis/rest-driver.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { freePort } from '../support/free-port.js';
import { startLatencyProxy } from '../support/latency-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { until } from '../support/until.js';

describe('Redis unreachable', () => {
  it('answers STORE_UNAVAILABLE when nothing listens on the TCP port', async () => {
    const port = await freePort();
    const store = new RedisStore({ driver: new TcpDriver({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }), keyPrefix: testPrefix() });
    const failure = await store.get('projects', 'alpha').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { maybeApplied: false } });
    // The client is told why in our words; the transport's text (address, port) stays in the cause, for logs.
    expect((failure as Error).message).not.toContain(String(port));
    expect(String(((failure as Error).cause as Error).message)).toContain(String(port));
    await store.close();
  });

  // Through the resilience wrapper with its defaults, as the server runs: the call's time budget
  // (1.5 s) is shorter than the connect timeout (2 s). Waiting out the first connect would end in
  // the budget's timeout, which cannot tell "refused" from "sent and unanswered".
  it('says a write surely was not applied when the first connection is refused, and why', async () => {
    const port = await freePort();
    const driver = new ResilientDriver(new TcpDriver({ url: `redis://127.0.0.1:${port}` }));
    const service = new ContentService({ store: new RedisStore({ driver, keyPrefix: testPrefix() }) });
    const failure = await service.create('projects', projectInput({ id: 'never-sent' }), apiActor).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { maybeApplied: false } });
    expect(String(((failure as Error).cause as Error).message)).toMatch(/ECONNREFUSED/);
    await driver.close();
  });

  it('answers STORE_UNAVAILABLE when nothing listens behind the REST URL', async () => {
    const port = await freePort();
    const store = new RedisStore({ driver: new RestDriver({ url: `http://127.0.0.1:${port}`, token: 'x'.repeat(20) }), keyPrefix: testPrefix() });
    await expect(store.get('projects', 'alpha')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  describe('a REST endpoint answering with an HTTP error', () => {
    let http: Server;
    let answer: { status: number; type: string; body: string };
    beforeAll(async () => {
      http = createServer((request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(answer.status, { 'Content-Type': answer.type }).end(answer.body));
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const url = () => `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    it('takes a refused request for a refusal, not an outage: the circuit stays closed and the batch is not quoted', async () => {
      answer = { status: 400, type: 'application/json', body: JSON.stringify({ error: 'ERR max request size exceeded' }) };
      const driver = new ResilientDriver(new RestDriver({ url: url(), token: 'x'.repeat(20) }), { timeoutMs: 1_000, attempts: 3, breakerThreshold: 2, halfOpenAfterMs: 60_000 });
      const store = new RedisStore({ driver, keyPrefix: testPrefix() });
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const failure = await store.get('projects', 'secret-document-id').catch((error: unknown) => error);
        expect(failure).not.toBeInstanceOf(StoreUnavailableError);
        expect((failure as Error).message).toMatch(/max request size exceeded/);
        expect((failure as Error).message).not.toContain('secret-document-id');
      }
      expect(driver.circuit).toBe('closed');
    });

    it('takes a gateway error page for an outage that may have applied the batch', async () => {
      answer = { status: 502, type: 'text/html', body: '<html>Bad Gateway</html>' };
      const store = new RedisStore({ driver: new RestDriver({ url: url(), token: 'x'.repeat(20) }), keyPrefix: testPrefix() });
      await expect(store.get('projects', 'alpha')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', details: { maybeApplied: true } });
    });
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

  describe('a connection lost after a write reached Redis', () => {
    let server: RedisServerHandle;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    // The update is retried (it is keyed by an operation id, so a resend cannot apply it twice),
    // and the retries are refused unsent while the link is down. Were the last attempt's "not
    // applied" the answer, a client would be told a saved write was not saved.
    it('says the write may have been applied, even when the retries after it were refused unsent', async () => {
      const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: server.port, latencyMs: 0 });
      const prefix = testPrefix();
      const driver = new ResilientDriver(new TcpDriver({ url: `redis://127.0.0.1:${proxy.port}`, connectTimeoutMs: 300 }), { timeoutMs: 10_000, attempts: 3, breakerThreshold: 100, halfOpenAfterMs: 60_000 });
      const service = new ContentService({ store: new RedisStore({ driver, keyPrefix: prefix }) });
      const direct = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
      await service.create('projects', projectInput({ id: 'saved-unseen' }), apiActor);
      await service.update('projects', 'saved-unseen', { title: 'Warm scripts' }, apiActor);

      // Replies now take 400 ms to come back; the link goes down once Redis has the write.
      proxy.setLatency(200);
      const update = service.update('projects', 'saved-unseen', { title: 'Applied, reply lost' }, apiActor).catch((error: unknown) => error);
      await until(async () => (await direct.get('projects', 'saved-unseen'))?.title === 'Applied, reply lost', 'the update to reach Redis', { intervalMs: 5 });
      await proxy.stop();

      const failure = await update;
      expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { maybeApplied: true } });
      expect((await direct.get('projects', 'saved-unseen'))?.metadata.version).toBe(3);
      await driver.close();
      await direct.close();
    });
  });
});
