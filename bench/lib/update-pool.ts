/**
 * Keeps update_project calls valid under load. Every call must carry the document's current
 * version as expectedVersion, so the pool hands each request a document no other in-flight
 * request holds, with the version it last saw; the answer gives the new version back. With more
 * documents than connections, two requests never race for one document, so a conflict here
 * means a real problem and is counted apart. Versions are read from Redis before each run,
 * because updates in flight when the previous run stopped may have been applied unseen; they are
 * read until two reads agree, so a write the server is still finishing is not missed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisStore } from '../../src/store/redis/redis-store.js';
import type { Context, LoadPlan } from './load.js';
import { mcpHeaders, pidsOf, rpcMessage, toolCall, type Target } from './requests.js';

interface Slot {
  id: string;
  version: number;
}

export class UpdatePool {
  conflicts = 0;
  applied = 0;
  otherFailures = 0;
  private readonly free: Slot[];
  private readonly all: readonly Slot[];
  private rpcId = 0;

  private constructor(slots: Slot[]) {
    this.free = [...slots];
    this.all = slots;
  }

  static async load(store: RedisStore, ids: readonly string[]): Promise<UpdatePool> {
    const read = async () =>
      (await store.getMany('projects', ids)).map((doc, index) => {
        if (!doc) throw new Error(`project ${ids[index]} is missing; cannot benchmark updates on it`);
        return { id: doc.id, version: doc.metadata.version };
      });
    let slots = await read();
    for (let attempt = 0; attempt < 50; attempt += 1) {
      await sleep(100);
      const again = await read();
      if (again.every((slot, index) => slot.version === slots[index]?.version)) break;
      slots = again;
    }
    return new UpdatePool(slots);
  }

  plan(target: Target, token: string, connections: number): LoadPlan {
    if (this.free.length < connections * 2) throw new Error(`the update pool needs at least ${connections * 2} documents for ${connections} connections, has ${this.free.length}`);
    return {
      url: target.url,
      ...pidsOf(target),
      method: 'POST',
      path: '/mcp',
      headers: mcpHeaders(token),
      connections,
      setupRequest: (request, context) => {
        // An empty pool means updates keep failing; send one anyway (it fails and is counted)
        // rather than stopping the load generator mid-run.
        const taken = this.free.shift();
        const slot = taken ?? (this.all[this.rpcId % this.all.length] as Slot);
        context.slot = taken;
        this.rpcId += 1;
        // A new title every time: an update that changes nothing is answered without a write.
        request.body = Buffer.from(
          toolCall(this.rpcId, 'update_project', { id: slot.id, expectedVersion: slot.version, changes: { title: `Benchmark edit ${slot.version + 1} of ${slot.id}` } }),
        );
        return request;
      },
      accept: (status, body, context) => this.settle(status, body, context),
    };
  }

  /** Returns the document to the pool with its new version; a failed document leaves the pool. */
  private settle(status: number, body: string, context: Context): boolean {
    const slot = context.slot as Slot | undefined;
    if (!slot) return false;
    const result = status === 200 ? rpcMessage(body)?.result : undefined;
    const version = (result?.structuredContent as { project?: { metadata?: { version?: number } } } | undefined)?.project?.metadata?.version;
    if (result && result.isError !== true && typeof version === 'number') {
      this.applied += 1;
      this.free.push({ id: slot.id, version });
      return true;
    }
    const text = ((result?.content as { text?: string }[] | undefined)?.[0]?.text ?? '').toString();
    const current = /^VERSION_CONFLICT: .*? is at version (\d+)/.exec(text);
    if (current) {
      this.conflicts += 1;
      this.free.push({ id: slot.id, version: Number(current[1]) });
    } else {
      this.otherFailures += 1;
    }
    return false;
  }
}
