import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/index.ts';
import { runBin } from './helpers.ts';

/** Runs the CLI in-process (the argument matrix; the bin itself is exercised below and in every other test). */
async function runIn(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    cwd: process.cwd(),
  };
  const status = await runCli(args, io);
  return { status, stdout, stderr };
}

const COMMANDS = [
  ['serve'],
  ['keygen'],
  ['demo'],
  ['export'],
  ['verify'],
  ['audit'],
  ['cert'],
  ['cert', 'verify'],
  ['checkpoint'],
  ['checkpoint', 'watch'],
  ['cert', 'issue'],
  ['cert', 'revoke'],
  ['cert', 'suspend'],
  ['cert', 'reinstate'],
  ['submit'],
  ['erase'],
  ['get'],
  ['log', 'show'],
  ['role', 'grant'],
  ['role', 'revoke'],
  ['asset', 'register'],
  ['asset', 'review'],
  ['asset', 'value'],
  ['asset', 'transfer'],
  ['asset', 'freeze'],
  ['asset', 'unfreeze'],
  ['asset', 'cancel'],
  ['asset', 'approve-crossborder'],
  ['asset', 'change'],
  ['licence', 'grant'],
  ['licence', 'revoke'],
  ['consent', 'grant'],
  ['consent', 'revoke'],
];

/** Commands that act (not the groups `cert`, `checkpoint`): each --help carries a runnable example. */
const LEAVES = COMMANDS.filter((c) => !(c.length === 1 && ['cert', 'checkpoint'].includes(c[0]!)));

describe('dataledger usage', () => {
  it('--help on every command prints its usage and exits 0', async () => {
    const results = await Promise.all(COMMANDS.map((c) => runIn([...c, '--help'])));
    // And through the real bin.
    const bin = await runBin(['verify', '--help']);
    expect(bin.status).toBe(0);
    expect(bin.stdout).toContain('Usage: dataledger verify');
    results.forEach((r, i) => {
      expect(r.status, COMMANDS[i]!.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: dataledger ${COMMANDS[i]!.join(' ')}`);
    });
  });

  it('every command that acts shows an example of itself, and the commands over HTTP take --url, --key and --json', async () => {
    const results = await Promise.all(LEAVES.map((c) => runIn([...c, '--help'])));
    results.forEach((r, i) => {
      const name = LEAVES[i]!.join(' ');
      expect(r.stdout, name).toMatch(new RegExp(`Example:\\n\\s+\\$ dataledger ${name}\\b`));
      expect(r.stdout, name).toContain('Exit status');
    });
    for (const c of LEAVES.filter(
      (c) => ['submit', 'erase', 'get', 'log', 'role', 'asset', 'licence', 'consent'].includes(c[0]!) || (c[0] === 'cert' && c[1] !== 'verify'),
    )) {
      const r = results[LEAVES.indexOf(c)]!;
      for (const flag of ['--url <url>', '--key <keyfile>', '--json']) expect(r.stdout, `${c.join(' ')} ${flag}`).toContain(flag);
    }
  });

  it('exits 2 on usage errors', async () => {
    const cases = [
      [],
      ['no-such-command'],
      ['verify'], // missing argument
      ['verify', 'a', 'b'], // excess argument
      ['verify', 'x.jsonl', '--no-such-option'],
      ['cert', 'verify', 'cert.json'], // --log-key is required
      ['serve', '--port', 'eighty'],
      ['serve', '--port', '70000'],
      ['checkpoint', 'watch', 'http://127.0.0.1:1', '--interval', '-1'],
      ['export', '--data', 'd', '--url', 'http://127.0.0.1:1'],
      ['submit', 'role.granted', '--payload', 'p.json'], // no --url
      ['submit', 'ledger.genesis', '--payload', 'p.json', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // not submittable
      ['submit', 'role.granted', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // no --payload
      ['role', 'grant', '--role', 'registry', '--url', 'http://127.0.0.1:1'], // no --key
      ['erase', '--digest', 'd', '--reason', 'r', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // no --index
      ['erase', '--index', '3', '--reason', 'r', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // no --digest
      ['erase', '--index', '3', '--digest', 'a', '--digest', 'b', '--member', 'person', '--reason', 'r', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // one --member per --digest
      ['export', '--data', 'd', '--disclosures', 'x.disclosures'], // --disclosures needs --url
      ['get', 'v1/assets/X', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // not a path
      ['log', 'show', '--limit', 'many', '--url', 'http://127.0.0.1:1'],
      ['cert', 'issue', '--url', 'http://127.0.0.1:1', '--key', 'k.json'], // no --asset
      ['serve', '--origin', 'has space'],
    ];
    const results = await Promise.all(cases.map((c) => runIn(c)));
    results.forEach((r, i) => {
      expect(r.status, cases[i]!.join(' ')).toBe(2);
      expect(r.stderr.length, cases[i]!.join(' ')).toBeGreaterThan(0);
    });
    // And through the real bin: the process exit status is 2.
    const bins = await Promise.all([runBin([]), runBin(['verify']), runBin(['serve', '--port', 'eighty'])]);
    for (const r of bins) expect(r.status).toBe(2);
  });

  it('exits 2 with a coded message when a service cannot be reached or the URL is not one', async () => {
    const cases: [string[], string][] = [
      [['export', '--url', 'http://127.0.0.1:1', '--out', '-'], 'CLI_HTTP_ERROR'],
      [['checkpoint', 'watch', 'http://127.0.0.1:1', '--once'], 'CLI_HTTP_ERROR'],
      [['checkpoint', 'watch', 'ftp://example.org', '--once'], 'CLI_USAGE'],
    ];
    const results = await Promise.all(cases.map(([args]) => runIn(args)));
    results.forEach((r, i) => {
      expect(r.status, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toContain(cases[i]![1]);
      expect(r.stdout).toBe('');
    });
  });

  it('--version prints the package version', async () => {
    const r = await runBin(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
