/** The Redis connection is found under every name users have for it, with clear errors otherwise. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError, describeConnection, redisConnectionFromEnv } from '../../src/config/redis-env.js';

describe('Redis connection from the environment', () => {
  it('uses none when nothing is set (the embedded JSON store)', () => {
    expect(redisConnectionFromEnv({})).toBeNull();
  });

  it('reads REDIS_URL and REDIS_CLUSTER_NODES', () => {
    expect(redisConnectionFromEnv({ REDIS_URL: 'redis://h:6379' })).toEqual({ kind: 'tcp', url: 'redis://h:6379' });
    expect(redisConnectionFromEnv({ REDIS_CLUSTER_NODES: 'a:7000, b:7001' })).toEqual({ kind: 'cluster', nodes: ['a:7000', 'b:7001'] });
    expect(() => redisConnectionFromEnv({ REDIS_URL: 'http://h' })).toThrow(/redis:\/\//);
    expect(() => redisConnectionFromEnv({ REDIS_CLUSTER_NODES: 'a' })).toThrow(/host:port/);
  });

  it('reads the Vercel KV names, with the read-only token', () => {
    expect(redisConnectionFromEnv({ KV_REST_API_URL: 'https://x.upstash.io/', KV_REST_API_TOKEN: 't', KV_REST_API_READ_ONLY_TOKEN: 'r' })).toEqual({
      kind: 'rest', url: 'https://x.upstash.io', token: 't', readOnlyToken: 'r', source: 'KV_REST_API_*',
    });
  });

  it('reads the prefixed names Vercel generates, such as the original site\'s REDIS_KV_REST_API_*', () => {
    const env = { REDIS_KV_REST_API_URL: 'https://r.upstash.io', REDIS_KV_REST_API_TOKEN: 't', REDIS_KV_REST_API_READ_ONLY_TOKEN: 'r' };
    expect(redisConnectionFromEnv(env)).toMatchObject({ kind: 'rest', url: 'https://r.upstash.io', readOnlyToken: 'r', source: 'REDIS_KV_REST_API_*' });
  });

  it('asks for CONTENTKV_ENV_PREFIX when several prefixed configurations are set, and honours it', () => {
    const env = {
      A_KV_REST_API_URL: 'https://a.upstash.io', A_KV_REST_API_TOKEN: 'ta',
      B_KV_REST_API_URL: 'https://b.upstash.io', B_KV_REST_API_TOKEN: 'tb',
    };
    expect(() => redisConnectionFromEnv(env)).toThrow(/CONTENTKV_ENV_PREFIX/);
    expect(redisConnectionFromEnv({ ...env, CONTENTKV_ENV_PREFIX: 'B' })).toMatchObject({ url: 'https://b.upstash.io', token: 'tb' });
    expect(() => redisConnectionFromEnv({ ...env, CONTENTKV_ENV_PREFIX: 'C' })).toThrow(/C_KV_REST_API_URL is not set/);
  });

  it('reads the Upstash names', () => {
    expect(redisConnectionFromEnv({ UPSTASH_REDIS_REST_URL: 'https://u.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't' })).toMatchObject({ kind: 'rest', token: 't' });
    expect(() => redisConnectionFromEnv({ UPSTASH_REDIS_REST_URL: 'https://u.upstash.io' })).toThrow(/UPSTASH_REDIS_REST_TOKEN/);
  });

  it('refuses a URL without its token', () => {
    expect(() => redisConnectionFromEnv({ KV_REST_API_URL: 'https://x.upstash.io', KV_REST_API_READ_ONLY_TOKEN: 'r' })).toThrow(/KV_REST_API_TOKEN/);
  });

  it('never puts a secret in the description', () => {
    const described = describeConnection(redisConnectionFromEnv({ REDIS_URL: 'redis://user:secret-pw@h:6380' }));
    expect(described).toBe('redis://h:6380');
    expect(describeConnection(redisConnectionFromEnv({ KV_REST_API_URL: 'https://x.upstash.io', KV_REST_API_TOKEN: 'secret' }))).not.toContain('secret');
  });
});

describe('configuration', () => {
  it('defaults to port 3000, ./data and the {contentkv}: prefix', () => {
    const config = loadConfig({}, '/srv/site');
    expect(config).toMatchObject({ port: 3000, dataDir: '/srv/site/data', keyPrefix: '{contentkv}:', redis: null, token: undefined });
  });

  it('refuses short tokens, equal tokens, and a cluster prefix without a hash tag', () => {
    expect(() => loadConfig({ CONTENTKV_TOKEN: 'short' })).toThrow(/at least 16/);
    const token = 'a'.repeat(32);
    expect(() => loadConfig({ CONTENTKV_TOKEN: token, CONTENTKV_READ_TOKEN: token })).toThrow(/must differ/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', CONTENTKV_KEY_PREFIX: 'site:' })).toThrow(/hash tag/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('trusts no proxy for the client address unless CONTENTKV_TRUST_PROXY or the entry point says how many', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({}, '/srv/site', { trustProxy: 1 }).trustProxy).toBe(1);
    expect(loadConfig({ CONTENTKV_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ CONTENTKV_TRUST_PROXY: '0' }, '/srv/site', { trustProxy: 1 }).trustProxy).toBe(0);
  });

  it('refuses a CONTENTKV_TRUST_PROXY that is not a hop count, rather than trusting every proxy', () => {
    for (const bad of ['true', 'yes', 'all', '-1', '1.5', '11']) {
      expect(() => loadConfig({ CONTENTKV_TRUST_PROXY: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ CONTENTKV_TRUST_PROXY: bad }), bad).toThrow(`CONTENTKV_TRUST_PROXY must be a whole number from 0 to 10; got "${bad}"`);
    }
  });
});
