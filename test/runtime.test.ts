import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on Node ≥ 22 (node-seal 7 needs it; the repo pins Node 24 as a dev dependency)', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
  });
});
