import { describe, expect, it } from 'vitest';
import { LastGood } from '../../src/http/last-good.js';

describe('LastGood, the stale-read memory', () => {
  it('stays within its byte budget, dropping the least recently remembered first', () => {
    const cache = new LastGood<string>(100);
    cache.remember('a', 'A', 40);
    cache.remember('b', 'B', 40);
    cache.remember('a', 'A2', 40); // remembered again: now the newest
    cache.remember('c', 'C', 40);
    expect(cache.size).toBe(80);
    expect(cache.recall('b')).toBeUndefined();
    expect(cache.recall('a')?.value).toBe('A2');
    expect(cache.recall('c')?.value).toBe('C');
  });

  it('refreshes the time of the very same answer remembered again, without moving it', () => {
    const cache = new LastGood<{ text: string }>(100);
    const same = { text: 'A' };
    cache.remember('a', same, 40);
    const first = cache.recall('a')?.at ?? 0;
    cache.remember('b', { text: 'B' }, 40);
    cache.remember('a', same, 40);
    expect(cache.size).toBe(80);
    expect(cache.recall('a')?.at).toBeGreaterThanOrEqual(first);
    cache.remember('c', { text: 'C' }, 40);
    // 'a' was stored first and only refreshed, so it is the one to go.
    expect(cache.recall('a')).toBeUndefined();
    expect(cache.recall('b')?.value.text).toBe('B');
  });

  it('once over budget, drops the oldest down to seven eighths of it, so the next answers evict nothing', () => {
    const cache = new LastGood<string>(800);
    for (let index = 0; index < 8; index += 1) cache.remember(`doc/${index}`, 'x', 100);
    expect(cache.size).toBe(800);
    cache.remember('doc/8', 'x', 100);
    expect(cache.size).toBe(700);
    expect(cache.recall('doc/0')).toBeUndefined();
    expect(cache.recall('doc/1')).toBeUndefined();
    expect(cache.recall('doc/2')).toBeDefined();
    cache.remember('doc/9', 'x', 100);
    expect(cache.size).toBe(800);
    expect(cache.recall('doc/2')).toBeDefined();
  });

  it('counts a replaced entry once', () => {
    const cache = new LastGood<string>(100);
    for (let round = 0; round < 10; round += 1) cache.remember('same', `v${round}`, 30);
    expect(cache.size).toBe(30);
    expect(cache.recall('same')?.value).toBe('v9');
  });

  it('does not keep an answer larger than the whole budget, and forgets the older one for that key', () => {
    const cache = new LastGood<string>(100);
    cache.remember('small', 's', 10);
    cache.remember('big', 'old', 50);
    cache.remember('big', 'huge', 101);
    expect(cache.recall('big')).toBeUndefined();
    expect(cache.recall('small')?.value).toBe('s');
    expect(cache.size).toBe(10);
  });

  it('holds many pages of a crawl in a bounded amount', () => {
    const cache = new LastGood<string>(1_000_000);
    for (let page = 0; page < 10_000; page += 1) cache.remember(`projects?cursor=${page}`, 'x', 40_000);
    expect(cache.size).toBeLessThanOrEqual(1_000_000);
    expect(cache.recall('projects?cursor=9999')).toBeDefined();
    expect(cache.recall('projects?cursor=0')).toBeUndefined();
  });

  it('forgets a key, or every key of a group, and gives their bytes back', () => {
    const cache = new LastGood<string>(1_000);
    cache.remember('doc/a', 'A', 10);
    cache.remember('list?1', 'page 1', 100, 'list');
    cache.remember('list?2', 'page 2', 100, 'list');
    cache.remember('other?1', 'other page', 100, 'other');
    cache.forget('doc/a');
    cache.forgetGroup('list');
    expect(cache.recall('doc/a')).toBeUndefined();
    expect(cache.recall('list?1')).toBeUndefined();
    expect(cache.recall('list?2')).toBeUndefined();
    expect(cache.recall('other?1')?.value).toBe('other page');
    expect(cache.size).toBe(100);
    // A page remembered again after its group was dropped joins the group anew.
    cache.remember('list?1', 'page 1 again', 100, 'list');
    cache.forgetGroup('list');
    expect(cache.size).toBe(100);
  });
});
