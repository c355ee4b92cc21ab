/** Child process for the lock test: creates `count` projects named `<name>-<n>` in a data directory. */
import { ContentService } from '../../../src/service/content-service.js';
import { JsonStore } from '../../../src/store/json/json-store.js';
import { projectInput } from '../../fixtures/inputs.js';

const [dir, name, count] = process.argv.slice(2) as [string, string, string];
const store = new JsonStore({ dir });
await store.open();
const service = new ContentService({ store });
for (let index = 0; index < Number(count); index += 1) {
  await service.create('projects', projectInput({ id: `${name}-${index}` }), { source: 'admin', clientId: name });
}
