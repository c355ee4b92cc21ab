/**
 * The admin API's refusals say what is guarded: its reads need the read-write token as well,
 * and a read-only token holder was told that "writing" needed it.
 */
import { expect, it } from 'vitest';
import { projectInput } from '../fixtures/inputs.js';
import { serveSampleForFile } from '../support/serve-process.js';
import { READ_TOKEN } from './app-fixture.js';

const sample = serveSampleForFile();

const refusal = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${sample().url}${path}`, init);
  return { status: response.status, message: ((await response.json()) as { error: { message: string } }).error.message };
};

it('says a read of the admin API needs the read-write token, and a write that writing does', async () => {
  expect(await refusal('/api/admin/alerts')).toEqual({ status: 401, message: 'the admin API needs the read-write token (CONTENTKV_TOKEN)' });
  expect(await refusal('/api/admin/alerts', { headers: { Authorization: `Bearer ${READ_TOKEN}` } })).toEqual({
    status: 403,
    message: 'this token may only read; the admin API needs the read-write token',
  });
  const write = { method: 'POST', headers: { Authorization: `Bearer ${READ_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(projectInput()) };
  expect(await refusal('/api/projects', write)).toEqual({ status: 403, message: 'this token may only read; writing needs the read-write token' });
});
