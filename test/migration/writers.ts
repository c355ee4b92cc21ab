/**
 * Writers for the migration scenario: they create, update and delete documents through REST
 * and MCP as fast as they are answered, and remember every acknowledged write: the last
 * acknowledged title and version of each id, or that it was deleted. After each write they read
 * the document back, which must show at least the version just acknowledged.
 */
import { projectInput, resourceInput } from '../fixtures/inputs.js';

export interface Acknowledged {
  collection: 'projects' | 'resources';
  id: string;
  version: number;
  title: string | null;
}

export interface WriterStats {
  acknowledged: Map<string, Acknowledged>;
  writes: number;
  failures: string[];
  staleReads: string[];
}

interface Options {
  url: string;
  token: string;
  name: string;
  via: 'rest' | 'mcp';
  collection: 'projects' | 'resources';
  stop: () => boolean;
  stats: WriterStats;
  pauseMs?: number;
}

const singular = (c: 'projects' | 'resources') => (c === 'projects' ? 'project' : 'resource');

async function mcp(url: string, token: string, name: string, args: Record<string, unknown>) {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const body = (await response.json()) as { result?: { isError?: boolean; structuredContent?: Record<string, any>; content: { text: string }[] } };
  if (response.status !== 200 || !body.result || body.result.isError) throw new Error(`${name} via MCP: ${response.status} ${body.result?.content[0]?.text ?? JSON.stringify(body)}`);
  return body.result.structuredContent as Record<string, any>;
}

async function rest(url: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const payload = (await response.json()) as { success: boolean; data: any; error?: { code: string; message: string } };
  if (!payload.success) throw new Error(`${method} ${path}: ${response.status} ${payload.error?.code} ${payload.error?.message}`);
  return payload.data;
}

export async function runWriter(options: Options): Promise<void> {
  const { url, token, name, via, collection, stats } = options;
  const one = singular(collection);
  const mine: { id: string; version: number }[] = [];
  let counter = 0;
  const acknowledge = (id: string, version: number, title: string | null) => {
    const known = stats.acknowledged.get(`${collection}/${id}`);
    if (!known || known.version < version) stats.acknowledged.set(`${collection}/${id}`, { collection, id, version, title });
  };
  while (!options.stop()) {
    counter += 1;
    stats.writes += 1;
    const title = `${name} write ${counter}`;
    try {
      if (mine.length < 3 || counter % 4 === 0) {
        const id = `${name}-${counter}`;
        const input = collection === 'projects' ? projectInput({ id, title }) : resourceInput({ id, title });
        const doc = via === 'rest' ? await rest(url, token, 'POST', `/api/${collection}`, input) : (await mcp(url, token, `create_${one}`, { [one]: input }))[one];
        mine.push({ id, version: doc.metadata.version });
        acknowledge(id, doc.metadata.version, title);
      } else if (counter % 9 === 0) {
        const target = mine.shift() as { id: string; version: number };
        const deleted = via === 'rest'
          ? await rest(url, token, 'DELETE', `/api/${collection}/${target.id}?expectedVersion=${target.version}`)
          : await mcp(url, token, `delete_${one}`, { id: target.id, expectedVersion: target.version, confirm: true });
        acknowledge(target.id, deleted.version, null);
      } else {
        const target = mine[counter % mine.length] as { id: string; version: number };
        const doc = via === 'rest'
          ? await rest(url, token, 'PATCH', `/api/${collection}/${target.id}`, { title, expectedVersion: target.version })
          : (await mcp(url, token, `update_${one}`, { id: target.id, expectedVersion: target.version, changes: { title } }))[one];
        target.version = doc.metadata.version;
        acknowledge(target.id, doc.metadata.version, title);
        const readBack = await fetch(`${url}/api/${collection}/${target.id}`, { headers: { Authorization: `Bearer ${token}` } });
        const seen = ((await readBack.json()) as { data?: { metadata: { version: number } } }).data?.metadata.version ?? 0;
        if (seen < doc.metadata.version) stats.staleReads.push(`${collection}/${target.id}: read ${seen} after ${doc.metadata.version} was acknowledged`);
      }
    } catch (error) {
      stats.failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
}
