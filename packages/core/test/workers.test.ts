/**
 * Worker threads (core's one pool): the worker file is picked by the caller's own extension,
 * replies reach the request that names them (alone or batched), a thread that throws or exits
 * fails exactly the requests it held, and a restarting pool replaces it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerThread, workerEntry } from '../src/index.ts';

const entry = workerEntry(import.meta.url, 'support/echo-worker');
const opened: { close?: () => Promise<void>; terminate?: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await (o.close ?? o.terminate)?.call(o);
});

describe('workerEntry', () => {
  it('picks .ts beside a .ts module and .js beside a compiled one', () => {
    expect(workerEntry('file:///p/src/log.ts', 'verify-worker').href).toBe('file:///p/src/verify-worker.ts');
    expect(workerEntry('file:///p/dist/log.js', 'verify-worker').href).toBe('file:///p/dist/verify-worker.js');
    expect(() => workerEntry('file:///p/src/log.ts', '../x')).toThrow(TypeError);
  });
});

describe('WorkerThread', () => {
  it('answers each request with its own reply, alone or batched, with the worker data', async () => {
    const t = new WorkerThread(entry, { workerData: { job: 'j-1' } });
    opened.push(t);
    await t.ready();
    const replies = await Promise.all([1, 2, 3].map((v) => t.call({ op: 'echo', value: v })));
    expect(replies.map((r) => r['value'])).toEqual([1, 2, 3]);
    expect(replies[0]?.['workerData']).toEqual({ job: 'j-1' });
    const ids = [t.nextId(), t.nextId(), t.nextId()];
    const waiting = ids.map((id) => t.expect(id));
    t.post({ op: 'batch', ids });
    expect((await Promise.all(waiting)).map((r) => r['value'])).toEqual(ids.map((id) => id * 10));
    expect(t.outstanding).toBe(0);
  });

  it('fails the requests it held when the thread exits, and refuses later ones', async () => {
    const failures: Error[] = [];
    const t = new WorkerThread(entry, { failure: (cause) => new Error(`mapped: ${cause.message}`), onFailure: (e) => failures.push(e) });
    opened.push(t);
    await t.ready();
    const held = t.expect(t.nextId());
    const exiting = t.call({ op: 'exit' });
    await expect(held).rejects.toThrow(/^mapped: worker thread exited \(code 3\)/);
    await expect(exiting).rejects.toThrow(/^mapped:/);
    expect(t.alive).toBe(false);
    await expect(t.call({ op: 'echo', value: 1 })).rejects.toThrow(/^mapped:/);
    expect(failures).toHaveLength(1);
  });

  it('fails the requests it held when the worker throws', async () => {
    const t = new WorkerThread(entry);
    opened.push(t);
    await t.ready();
    await expect(t.call({ op: 'throw' })).rejects.toThrow('asked to throw');
    expect(t.alive).toBe(false);
  });

  it('refuses outstanding requests on terminate without reporting a failure', async () => {
    const failures: Error[] = [];
    const t = new WorkerThread(entry, { onFailure: (e) => failures.push(e) });
    await t.ready();
    const held = expect(t.expect(t.nextId())).rejects.toThrow('terminated');
    await t.terminate();
    await held;
    expect(failures).toEqual([]);
  });
});

describe('WorkerPool', () => {
  it('replaces a failed thread when it restarts, keeps it failed when it does not', async () => {
    const pool = new WorkerPool(entry, { threads: 2, restart: true });
    opened.push(pool);
    await pool.ready();
    await expect(pool.thread(1).call({ op: 'exit' })).rejects.toThrow();
    expect((await pool.thread(1).call({ op: 'echo', value: 'again' }))['value']).toBe('again');
    expect((await pool.thread(0).call({ op: 'echo', value: 0 }))['value']).toBe(0);

    const fixed = new WorkerPool(entry, { threads: 1 });
    opened.push(fixed);
    await expect(fixed.thread(0).call({ op: 'exit' })).rejects.toThrow();
    await expect(fixed.thread(0).call({ op: 'echo', value: 1 })).rejects.toThrow();
    expect(() => new WorkerPool(entry, { threads: 0 })).toThrow(RangeError);
  });

  it('refuses work once closed', async () => {
    const pool = new WorkerPool(entry, { threads: 1 });
    await pool.close();
    expect(() => pool.thread(0)).toThrow('closed');
  });
});
