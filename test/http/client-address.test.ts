/**
 * The client address an audit entry records. Anyone can send X-Forwarded-For, so a server on its
 * own port records the socket's peer; forwarded entries count only as far as CONTENTKV_TRUST_PROXY
 * trusts proxies, and the serverless entry trusts the one hop of the platform's edge. Checked on
 * every path a write takes: REST, and MCP through the fast lane, the SDK's 2025 transport and its
 * 2026-07-28 handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/http/client-address.js';
import { createServerlessApp } from '../../src/runtime/serverless.js';
import { projectInput } from '../fixtures/inputs.js';
import { connectClient } from '../mcp/clients.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';
import { bearer, json, sampleDataDir, WRITE_TOKEN } from './app-fixture.js';
import { MCP_HEADERS, toolCall } from './auth-mcp-fixture.js';

/** A chain as a client behind two proxies sends it: its own forged entry, then what each proxy appended. */
const FORGED = '198.51.100.66';
const CHAIN = `${FORGED}, 203.0.113.7, 10.0.0.2`;

describe('the client address rule', () => {
  const origin = (forwardedFor: string | undefined, peerAddress: string | undefined) => ({
    header: (name: string) => (name === 'x-forwarded-for' ? forwardedFor : undefined),
    peerAddress,
  });

  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(origin(CHAIN, '192.0.2.10'), 0)).toBe('192.0.2.10');
  });

  it('is the entry as many hops from the right as proxies are trusted', () => {
    expect(clientAddress(origin(CHAIN, '10.0.0.3'), 1)).toBe('10.0.0.2');
    expect(clientAddress(origin(CHAIN, '10.0.0.3'), 2)).toBe('203.0.113.7');
    expect(clientAddress(origin(' 203.0.113.7 ,, 10.0.0.2 ', '10.0.0.3'), 2)).toBe('203.0.113.7');
  });

  it('is the leftmost entry when there are fewer entries than trusted proxies, and the peer when there are none', () => {
    expect(clientAddress(origin('203.0.113.7', '10.0.0.3'), 2)).toBe('203.0.113.7');
    expect(clientAddress(origin(undefined, '10.0.0.3'), 2)).toBe('10.0.0.3');
    expect(clientAddress(origin(' , ', undefined), 1)).toBeUndefined();
  });
});

/** Writes one project by every path, each sending `headers`, and answers the address each audit entry recorded. */
async function addressesRecorded(url: string, headers: Record<string, string>, tag: string): Promise<Record<string, unknown>> {
  const ids = { rest: `rest-${tag}`, fastLane: `fast-${tag}`, legacySdk: `legacy-${tag}`, modernSdk: `modern-${tag}` };
  const mcp = (body: unknown) => fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(WRITE_TOKEN), ...headers }, body: JSON.stringify(body) });

  const rest = await fetch(`${url}/api/projects`, { method: 'POST', headers: { ...json, ...bearer(WRITE_TOKEN), ...headers }, body: JSON.stringify(projectInput({ id: ids.rest })) });
  expect(rest.status, await rest.clone().text()).toBe(201);
  const fast = await mcp(toolCall(1, 'create_project', { project: projectInput({ id: ids.fastLane }) }));
  expect(await fast.text()).not.toMatch(/isError/);
  // A batch of one is never the fast lane's: the SDK's 2025 transport serves it.
  const legacy = await mcp([toolCall(1, 'create_project', { project: projectInput({ id: ids.legacySdk }) })]);
  expect(await legacy.text()).not.toMatch(/isError/);
  const client = await connectClient('v2 (2026-07-28)', url, WRITE_TOKEN, headers);
  const modern = await client.callTool({ name: 'create_project', arguments: { project: projectInput({ id: ids.modernSdk }) } });
  expect(modern.isError).toBeFalsy();
  await client.close();

  const recorded: Record<string, unknown> = {};
  for (const [path, id] of Object.entries(ids)) {
    const audit = (await (await fetch(`${url}/api/audit?entityId=${id}`, { headers: bearer(WRITE_TOKEN) })).json()) as { data: { metadata: { ipAddress?: string } }[] };
    expect(audit.data, path).toHaveLength(1);
    recorded[path] = audit.data[0]?.metadata.ipAddress;
  }
  return recorded;
}

const onEveryPath = (address: string) => ({ rest: address, fastLane: address, legacySdk: address, modernSdk: address });

describe('contentkv serve', () => {
  const data = [sampleDataDir(), sampleDataDir()];
  let direct: ServeHandle;
  let proxied: ServeHandle;
  beforeAll(async () => {
    const env = (dir: string) => ({ CONTENTKV_DATA_DIR: dir, CONTENTKV_TOKEN: WRITE_TOKEN });
    [direct, proxied] = await Promise.all([startServe(env(data[0]!.dir)), startServe({ ...env(data[1]!.dir), CONTENTKV_TRUST_PROXY: '2' })]);
  });
  afterAll(async () => {
    await Promise.all([direct?.stop(), proxied?.stop()]);
    for (const copy of data) copy.cleanup();
  });

  it('records the socket peer, not a forged X-Forwarded-For or X-Real-IP, by default', async () => {
    const recorded = await addressesRecorded(direct.url, { 'X-Forwarded-For': FORGED, 'X-Real-IP': FORGED }, 'direct');
    expect(recorded).toEqual(onEveryPath('127.0.0.1'));
  });

  it('records the entry the outermost trusted proxy appended when CONTENTKV_TRUST_PROXY=2', async () => {
    const recorded = await addressesRecorded(proxied.url, { 'X-Forwarded-For': CHAIN }, 'proxied');
    expect(recorded).toEqual(onEveryPath('203.0.113.7'));
  });
});

describe('the serverless entry', () => {
  it('trusts the one hop of the platform edge, which appends the real client to X-Forwarded-For', async () => {
    const data = sampleDataDir();
    try {
      const app = await createServerlessApp({ LOG_LEVEL: 'silent', CONTENTKV_DATA_DIR: data.dir, CONTENTKV_TOKEN: WRITE_TOKEN });
      const headers = { ...bearer(WRITE_TOKEN), 'X-Forwarded-For': `${FORGED}, 203.0.113.9`, Host: 'localhost' };
      const rest = await app.request('/api/projects', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(projectInput({ id: 'on-the-edge' })) });
      expect(rest.status).toBe(201);
      const mcp = await app.request('/api/mcp', { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(toolCall(1, 'create_project', { project: projectInput({ id: 'on-the-edge-mcp' }) })) });
      expect(mcp.status).toBe(200);
      for (const id of ['on-the-edge', 'on-the-edge-mcp']) {
        const audit = (await (await app.request(`/api/audit?entityId=${id}`, { headers: bearer(WRITE_TOKEN) })).json()) as { data: { metadata: { ipAddress?: string } }[] };
        expect(audit.data[0]?.metadata.ipAddress, id).toBe('203.0.113.9');
      }
    } finally {
      data.cleanup();
    }
  });
});
