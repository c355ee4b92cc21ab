/**
 * The auth matrix: every write route and every write tool, and the read routes that need a token,
 * called with each of four credentials (none, a wrong one, the read-only token, the read-write
 * token). Each cell runs on its own fresh app over a fresh copy of the sample content, so cells do
 * not depend on each other's order, and every refused call must leave the store exactly as it was.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Collection } from '../../src/domain/collections.js';
import { apiActor, projectInput, resourceInput } from '../fixtures/inputs.js';
import { bearer, json, READ_TOKEN, WRITE_TOKEN } from './app-fixture.js';
import { makeMcpApp, mcpRequest, snapshotStore, toolCall, type McpAppFixture } from './auth-mcp-fixture.js';

type Credential = 'none' | 'wrong' | 'read' | 'write';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'read', 'write'];

const PHRASE: Record<Credential, string> = {
  none: 'with no token',
  wrong: 'with a wrong token',
  read: 'with the read-only token',
  write: 'with the read-write token',
};

/** A near miss of the write token: same length and prefix, last character changed. */
const WRONG_TOKEN = `${WRITE_TOKEN.slice(0, -1)}X`;

function authHeaders(credential: Credential): Record<string, string> {
  switch (credential) {
    case 'none':
      return {};
    case 'wrong':
      return bearer(WRONG_TOKEN);
    case 'read':
      return bearer(READ_TOKEN);
    case 'write':
      return bearer(WRITE_TOKEN);
  }
}

/** Published documents of the sample content that every cell edits, deletes or restores. */
const TARGET: Record<Collection, string> = { projects: 'law-firm-rag-knowledge-base', resources: 'rag-readiness-checklist' };
const CREATED_ID: Record<Collection, string> = { projects: 'auth-matrix-created-project', resources: 'auth-matrix-created-resource' };
const inputFor = (collection: Collection, overrides: Record<string, unknown>) =>
  collection === 'projects' ? projectInput(overrides) : resourceInput(overrides);

let fixture: McpAppFixture;
beforeEach(async () => {
  fixture = await makeMcpApp();
});
afterEach(async () => {
  await fixture.close();
});

/** Makes a second version of the target, so restoring version 1 is a real, allowed change. */
async function editTargetOnce(collection: Collection): Promise<void> {
  await fixture.service.update(collection, TARGET[collection], { title: 'Edited before the restore' }, apiActor);
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  const body = await response.json();
  expect(body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
}

async function expectForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  const body = await response.json();
  expect(body).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
}

// ---------------------------------------------------------------------------------------------
// REST write routes
// ---------------------------------------------------------------------------------------------

interface RestWriteRoute {
  label: string;
  collection: Collection;
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** The id whose document this route creates, changes or removes. */
  id: string;
  success: number;
  setup?: (collection: Collection) => Promise<void>;
  /** What the successful write did to the document. */
  verify(doc: Record<string, any> | null, responseBody: Record<string, any>): void;
}

function restWriteRoutes(collection: Collection): RestWriteRoute[] {
  const base = `/api/${collection}`;
  const target = TARGET[collection];
  return [
    {
      label: `POST ${base}`,
      collection,
      method: 'POST',
      path: base,
      body: inputFor(collection, { id: CREATED_ID[collection] }),
      id: CREATED_ID[collection],
      success: 201,
      verify(doc, responseBody) {
        expect(doc?.metadata.version).toBe(1);
        expect(responseBody.data.id).toBe(CREATED_ID[collection]);
      },
    },
    {
      label: `PATCH ${base}/:id`,
      collection,
      method: 'PATCH',
      path: `${base}/${target}`,
      body: { title: 'Changed by the auth matrix' },
      id: target,
      success: 200,
      verify(doc) {
        expect(doc).toMatchObject({ title: 'Changed by the auth matrix', metadata: { version: 2 } });
      },
    },
    {
      label: `DELETE ${base}/:id`,
      collection,
      method: 'DELETE',
      path: `${base}/${target}`,
      id: target,
      success: 200,
      verify(doc, responseBody) {
        expect(doc).toBeNull();
        expect(responseBody.data).toMatchObject({ id: target, deleted: true });
      },
    },
    {
      label: `POST ${base}/:id/restore`,
      collection,
      method: 'POST',
      path: `${base}/${target}/restore`,
      body: { version: 1 },
      id: target,
      success: 200,
      setup: editTargetOnce,
      verify(doc) {
        expect(doc?.title).not.toBe('Edited before the restore');
        expect(doc?.metadata.version).toBe(3);
      },
    },
  ];
}

interface RestWriteCell {
  title: string;
  route: RestWriteRoute;
  credential: Credential;
  expected: number;
}

const restWriteCells: RestWriteCell[] = (['projects', 'resources'] as const)
  .flatMap((collection) => restWriteRoutes(collection))
  .flatMap((route) =>
    CREDENTIALS.map((credential) => {
      const expected = credential === 'write' ? route.success : credential === 'read' ? 403 : 401;
      return { title: `${route.label} ${PHRASE[credential]} answers ${expected}`, route, credential, expected };
    }),
  );

describe('REST write routes', () => {
  it.each(restWriteCells.map((cell) => [cell.title, cell] as const))('%s', async (_title, { route, credential, expected }) => {
    await route.setup?.(route.collection);
    const before = await snapshotStore(fixture.store);
    const docBefore = await fixture.store.get(route.collection, route.id);

    const response = await fixture.app.request(route.path, {
      method: route.method,
      headers: { ...(route.body ? json : {}), ...authHeaders(credential) },
      ...(route.body ? { body: JSON.stringify(route.body) } : {}),
    });

    if (expected === 401) await expectUnauthorized(response);
    else if (expected === 403) await expectForbidden(response);
    if (credential !== 'write') {
      // Refused: the document and everything else stored, the audit log included, are untouched.
      expect(await fixture.store.get(route.collection, route.id)).toEqual(docBefore);
      expect(await snapshotStore(fixture.store)).toEqual(before);
      return;
    }
    expect(response.status).toBe(expected);
    const body = await response.json();
    expect(body.success).toBe(true);
    route.verify((await fixture.store.get(route.collection, route.id)) as Record<string, any> | null, body);
    expect((await snapshotStore(fixture.store)).auditTotal).toBe(before.auditTotal + 1);
  });
});

const MALFORMED_AUTHORIZATION = ['Basic dGVzdDp0ZXN0', 'Bearer', `Bearer ${WRITE_TOKEN} extra`, `Token ${WRITE_TOKEN}`, `${WRITE_TOKEN}`, `Bearer ${WRITE_TOKEN.toUpperCase()}`, `Bearer ${'x'.repeat(10_000)}`];

describe('malformed Authorization headers', () => {
  it.each(MALFORMED_AUTHORIZATION.map((header) => [header.length > 60 ? `${header.slice(0, 20)}… (${header.length} characters)` : header, header] as const))(
    'PATCH /api/projects/:id with "Authorization: %s" answers 401 and changes nothing',
    async (_shown, header) => {
      const before = await snapshotStore(fixture.store);
      const response = await fixture.app.request(`/api/projects/${TARGET.projects}`, { method: 'PATCH', headers: { ...json, Authorization: header }, body: JSON.stringify({ title: 'Sneaked in' }) });
      await expectUnauthorized(response);
      expect(await snapshotStore(fixture.store)).toEqual(before);
    },
  );

  it('accepts the scheme in any case, as RFC 7235 says ("bearer <write token>" writes)', async () => {
    const response = await fixture.app.request(`/api/projects/${TARGET.projects}`, { method: 'PATCH', headers: { ...json, Authorization: `bearer ${WRITE_TOKEN}` }, body: JSON.stringify({ title: 'Lowercase scheme' }) });
    expect(response.status).toBe(200);
    expect((await fixture.store.get('projects', TARGET.projects))?.title).toBe('Lowercase scheme');
  });
});

// ---------------------------------------------------------------------------------------------
// Read routes that need a token, and the public lists
// ---------------------------------------------------------------------------------------------

interface ReadRoute {
  label: string;
  path: string;
  expected: Record<Credential, number>;
  /** Checks a 200 answer. */
  verify(response: Response): Promise<void>;
}

const needsToken = { none: 401, wrong: 401, read: 200, write: 200 } as const;

async function okEnvelope(response: Response): Promise<Record<string, any>> {
  const body = await response.json();
  expect(body).toMatchObject({ success: true, meta: { requestId: expect.any(String) } });
  return body;
}

const readRoutes: ReadRoute[] = [
  { label: 'GET /api/audit', path: '/api/audit', expected: needsToken, verify: async (response) => void expect(Array.isArray((await okEnvelope(response)).data)).toBe(true) },
  { label: 'GET /api/audit/stats', path: '/api/audit/stats', expected: needsToken, verify: async (response) => void expect((await okEnvelope(response)).data).toHaveProperty('total') },
  {
    label: 'GET /api/projects/:id/history',
    path: `/api/projects/${TARGET.projects}/history`,
    expected: needsToken,
    verify: async (response) => void expect(Array.isArray((await okEnvelope(response)).data)).toBe(true),
  },
  {
    label: 'GET /api/resources/:id/history',
    path: `/api/resources/${TARGET.resources}/history`,
    expected: needsToken,
    verify: async (response) => void expect(Array.isArray((await okEnvelope(response)).data)).toBe(true),
  },
  {
    label: 'GET /metrics',
    path: '/metrics',
    expected: needsToken,
    verify: async (response) => {
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toContain('# HELP');
    },
  },
  ...(['projects', 'resources'] as const).flatMap((collection): ReadRoute[] => [
    {
      label: `GET /api/${collection}`,
      path: `/api/${collection}`,
      // Anonymous callers read published content; a token that matches nothing is refused, not ignored.
      expected: { none: 200, wrong: 401, read: 200, write: 200 },
      verify: async (response) => {
        const body = await okEnvelope(response);
        expect(body.data.length).toBeGreaterThan(0);
      },
    },
    {
      label: `GET /api/${collection}?status=draft`,
      path: `/api/${collection}?status=draft`,
      expected: needsToken,
      verify: async (response) => {
        const body = await okEnvelope(response);
        expect(body.data.length).toBeGreaterThan(0);
        expect(body.data.every((doc: { metadata: { status: string } }) => doc.metadata.status === 'draft')).toBe(true);
      },
    },
  ]),
];

const readCells = readRoutes.flatMap((route) =>
  CREDENTIALS.map((credential) => ({ title: `${route.label} ${PHRASE[credential]} answers ${route.expected[credential]}`, route, credential, expected: route.expected[credential] })),
);

describe('read routes', () => {
  it.each(readCells.map((cell) => [cell.title, cell] as const))('%s', async (_title, { route, credential, expected }) => {
    const response = await fixture.app.request(route.path, { headers: authHeaders(credential) });
    if (expected === 401) {
      await expectUnauthorized(response);
      return;
    }
    expect(response.status).toBe(expected);
    await route.verify(response);
  });
});

// ---------------------------------------------------------------------------------------------
// MCP write tools, and tools/list
// ---------------------------------------------------------------------------------------------

const READ_TOOLS = ['get_audit_log', 'get_audit_stats', 'get_history', 'get_migration_status', 'get_project', 'get_resource', 'list_projects', 'list_resources', 'search_content'];
const WRITE_TOOLS = ['create_project', 'create_resource', 'delete_project', 'delete_resource', 'restore_version', 'update_project', 'update_resource'];

interface WriteTool {
  name: string;
  collection: Collection;
  id: string;
  args: Record<string, unknown>;
  setup?: (collection: Collection) => Promise<void>;
  verify(doc: Record<string, any> | null, structured: Record<string, any>): void;
}

const writeTools: WriteTool[] = [
  ...(['projects', 'resources'] as const).flatMap((collection): WriteTool[] => {
    const one = collection === 'projects' ? 'project' : 'resource';
    const target = TARGET[collection];
    return [
      {
        name: `create_${one}`,
        collection,
        id: CREATED_ID[collection],
        args: { [one]: inputFor(collection, { id: CREATED_ID[collection] }) },
        verify: (doc, structured) => {
          expect(doc?.metadata.version).toBe(1);
          expect(structured[one].id).toBe(CREATED_ID[collection]);
        },
      },
      {
        name: `update_${one}`,
        collection,
        id: target,
        args: { id: target, expectedVersion: 1, changes: { title: 'Changed by an assistant' } },
        verify: (doc) => expect(doc).toMatchObject({ title: 'Changed by an assistant', metadata: { version: 2 } }),
      },
      {
        name: `delete_${one}`,
        collection,
        id: target,
        args: { id: target, expectedVersion: 1, confirm: true },
        verify: (doc, structured) => {
          expect(doc).toBeNull();
          expect(structured).toMatchObject({ id: target, deleted: true });
        },
      },
    ];
  }),
  {
    name: 'restore_version',
    collection: 'projects',
    id: TARGET.projects,
    args: { collection: 'projects', id: TARGET.projects, version: 1 },
    setup: editTargetOnce,
    verify: (doc, structured) => {
      expect(doc?.title).not.toBe('Edited before the restore');
      expect(doc?.metadata.version).toBe(3);
      expect(structured.restoredFrom).toBe(1);
    },
  },
];

const MCP_PATHS = ['/mcp', '/api/mcp'] as const;
const MCP_OUTCOME: Record<Credential, string> = {
  none: 'answers HTTP 401',
  wrong: 'answers HTTP 401',
  read: 'answers JSON-RPC error -32602 (no such tool)',
  write: 'succeeds',
};

const mcpWriteCells = writeTools.flatMap((tool) =>
  MCP_PATHS.flatMap((path) => CREDENTIALS.map((credential) => ({ title: `${tool.name} over ${path} ${PHRASE[credential]} ${MCP_OUTCOME[credential]}`, tool, path, credential }))),
);

describe('MCP write tools', () => {
  it('covers every write tool the server offers', () => {
    expect(writeTools.map((tool) => tool.name).sort()).toEqual(WRITE_TOOLS);
  });

  it.each(mcpWriteCells.map((cell) => [cell.title, cell] as const))('%s', async (_title, { tool, path, credential }) => {
    await tool.setup?.(tool.collection);
    const before = await snapshotStore(fixture.store);
    const docBefore = await fixture.store.get(tool.collection, tool.id);

    const response = await fixture.app.request(...mcpRequest(toolCall(1, tool.name, tool.args), authHeaders(credential), path));

    if (credential === 'write') {
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.error).toBeUndefined();
      expect(body.result.isError, JSON.stringify(body.result.content)).toBeUndefined();
      tool.verify((await fixture.store.get(tool.collection, tool.id)) as Record<string, any> | null, body.result.structuredContent);
      expect((await snapshotStore(fixture.store)).auditTotal).toBe(before.auditTotal + 1);
      return;
    }
    if (credential === 'read') {
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32602 } });
      expect(body.error.message).toContain(tool.name);
      expect(body.result).toBeUndefined();
    } else {
      await expectUnauthorized(response);
    }
    expect(await fixture.store.get(tool.collection, tool.id)).toEqual(docBefore);
    expect(await snapshotStore(fixture.store)).toEqual(before);
  });

  it('lets the read-only token call a read tool, so the -32602 above is about write tools only', async () => {
    const response = await fixture.app.request(...mcpRequest(toolCall(1, 'get_project', { id: TARGET.projects }), authHeaders('read')));
    const body = await response.json();
    expect(body.result.isError).toBeUndefined();
    expect(body.result.structuredContent.project.id).toBe(TARGET.projects);
  });
});

const LISTED: Record<Credential, string> = {
  none: 'answers HTTP 401',
  wrong: 'answers HTTP 401',
  read: 'lists only the 9 read tools',
  write: 'lists all 16 tools',
};

const toolsListCells = MCP_PATHS.flatMap((path) => CREDENTIALS.map((credential) => ({ title: `tools/list over ${path} ${PHRASE[credential]} ${LISTED[credential]}`, path, credential })));

describe('MCP tools/list', () => {
  it.each(toolsListCells.map((cell) => [cell.title, cell] as const))('%s', async (_title, { path, credential }) => {
    const response = await fixture.app.request(...mcpRequest({ jsonrpc: '2.0', id: 7, method: 'tools/list' }, authHeaders(credential), path));
    if (credential === 'none' || credential === 'wrong') {
      await expectUnauthorized(response);
      return;
    }
    expect(response.status).toBe(200);
    const body = await response.json();
    const names = (body.result.tools as { name: string }[]).map((tool) => tool.name).sort();
    expect(names).toEqual(credential === 'read' ? READ_TOOLS : [...READ_TOOLS, ...WRITE_TOOLS].sort());
  });
});
