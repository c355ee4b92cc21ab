/**
 * Child process for the crash test: creates and then edits projects named `<prefix>-<n>` in a data
 * directory, deleting every third, each write with an idempotency key, until it is killed. Each id
 * is printed to stdout once its create returned.
 */
import { ContentService } from '../../../src/service/content-service.js';
import { JsonStore } from '../../../src/store/json/json-store.js';
import { projectInput } from '../../fixtures/inputs.js';

const [dir, prefix] = process.argv.slice(2) as [string, string];
const store = new JsonStore({ dir });
await store.open();
const service = new ContentService({ store });
const actor = { source: 'admin', clientId: prefix } as const;
for (let index = 0; ; index += 1) {
  const id = `${prefix}-${index}`;
  await service.create('projects', projectInput({ id, title: `Written before a crash ${index}` }), actor, { opId: `create-${id}` });
  process.stdout.write(`${id}\n`);
  await service.update('projects', id, { result: `Edited once ${index}` }, actor, { opId: `edit-${id}`, expectedVersion: 1 });
  if (index % 3 === 2) await service.delete('projects', id, actor, { opId: `delete-${id}`, expectedVersion: 2 });
}
