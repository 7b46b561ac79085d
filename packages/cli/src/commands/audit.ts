import {
  auditBundle,
  rolesOf,
  type ErasureEntry,
  type RegistryState,
  type StatisticsReport,
  type UncheckedSummary,
  type Violation,
} from '@dataledger/certificates';
import { formatUnchecked, readDisclosuresFile } from '../disclosures.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openSource } from '../source.ts';
import { checkVerifierKeys, requireTrustAnchor, withProgress } from './verify.ts';

/** Options of `dataledger audit`. */
export interface AuditOptions {
  /** Trusted C2SP verifier keys of the log. */
  logKey?: string[] | undefined;
  /** Without `logKey`: check the bundle against its own key (reported as `trusted: false`). */
  trustBundleKey?: boolean | undefined;
  /** Print {@link AuditSummary} as JSON. */
  json?: boolean | undefined;
  /** A disclosures file (`export --disclosures`): the rules on concealed members are checked too. */
  disclosures?: string | undefined;
}

/** A violation as the summary shows it: with the roles its actor held. */
export interface ViolationExample extends Violation {
  /** The actor's roles at the end of the replay (`root` for the root authority; empty: none). */
  actorRoles: string[];
}

/** One rule's line of the summary: how often it was broken and the first examples. */
export interface RuleSummary {
  /** The rule's code (`REGISTRY_NOT_HOLDER`, …). */
  code: string;
  /** Records refused by this rule. */
  count: number;
  /** The first few (at most {@link EXAMPLES_PER_RULE}), in record order. */
  examples: ViolationExample[];
}

/** Examples shown per rule in the summary. */
export const EXAMPLES_PER_RULE: number = 3;

/** What `audit --json` prints. */
export interface AuditSummary {
  /** True when the bundle is intact and no record breaks a rule. */
  valid: boolean;
  /** True when the checkpoint was checked against a `--log-key`; false when against the bundle's own key. */
  trusted: boolean;
  /** Records replayed. */
  records: number;
  /** The bundle's integrity (as `verify --json` prints it), kept apart from the rules. */
  integrity: { valid: boolean; size: number; firstBadIndex: number | null; code: string | null; logKey: string | null } | null;
  /** One entry per broken rule, most frequent first. */
  rules: RuleSummary[];
  /** Every rule violation in record order: index, rule code, message (integrity faults are in `integrity`). */
  violations: Violation[];
  /** The statistics report (统计报告). */
  statistics: StatisticsReport;
  /** True when every rule of every record was checked (false: some needed disclosures not given). */
  complete: boolean;
  /** Rules not checked for want of disclosures: never counted as passed. */
  unchecked: UncheckedSummary[];
  /** What was erased from the vault, when and by whom (`disclosure.erased` records). */
  erasures: ErasureEntry[];
  /** Disclosures given (`--disclosures`) and how many matched a digest of the ledger. */
  disclosures: { given: number; used: number };
}

function rolesOfActor(state: RegistryState, actor: string | undefined): string[] {
  if (actor === undefined) return [];
  const roles: string[] = [...rolesOf(state, actor)];
  if (actor === state.rootAuthority) roles.unshift('root');
  return roles;
}

/**
 * Groups rule violations by code, most frequent first (ties by first occurrence), each with
 * its first examples and the roles of their actors.
 * @param violations - rule violations in record order
 * @param state - the registry state after replay (for the actors' roles)
 * @returns the per-rule summary
 */
export function summariseRules(violations: readonly Violation[], state: RegistryState): RuleSummary[] {
  const byCode = new Map<string, RuleSummary>();
  for (const v of violations) {
    let rule = byCode.get(v.code);
    if (rule === undefined) {
      rule = { code: v.code, count: 0, examples: [] };
      byCode.set(v.code, rule);
    }
    rule.count += 1;
    if (rule.examples.length < EXAMPLES_PER_RULE) rule.examples.push({ ...v, actorRoles: rolesOfActor(state, v.actor) });
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count);
}

/**
 * Audits a bundle file: integrity (as `verify`) and every registry rule, continuing past rule
 * violations so all are reported, then the statistics report.
 * @param file - bundle path or "-"
 * @param options - trusted log keys
 * @param io - streams (a progress bar is drawn on a TTY)
 * @returns the summary
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE` (no `--log-key` nor `--trust-bundle-key`)
 */
export async function auditBundleFile(file: string, options: AuditOptions, io: CliIo): Promise<AuditSummary> {
  const anchored = requireTrustAnchor(options);
  const trusted = checkVerifierKeys(options.logKey ?? []);
  const disclosures = options.disclosures === undefined ? undefined : await readDisclosuresFile(options.disclosures, io);
  const source = await openSource(file, io);
  const progress = withProgress(source, io, 'auditing', true);
  let report;
  try {
    report = await auditBundle(progress.chunks, {
      ...(trusted.length > 0 ? { trustedLogKeys: trusted } : {}),
      ...(disclosures === undefined ? {} : { disclosures }),
    });
  } finally {
    progress.stop();
  }
  const i = report.integrity;
  // auditBundle appends the integrity fault, when there is one, after the rule violations;
  // a regulator reads "the ledger was tampered with" apart from "a party broke a rule".
  const violations = i !== null && !i.valid ? report.violations.filter((v) => v.code !== i.code || v.index !== i.firstBadIndex) : report.violations;
  return {
    valid: report.valid,
    trusted: anchored,
    records: report.records,
    integrity: i === null ? null : { valid: i.valid, size: i.size, firstBadIndex: i.firstBadIndex, code: i.code, logKey: i.logKey },
    rules: summariseRules(violations, report.state),
    violations,
    statistics: report.statistics,
    complete: report.complete,
    unchecked: report.unchecked,
    erasures: report.erasures,
    disclosures: report.disclosures,
  };
}

// A suppressed cell (null: fewer than k contributors) reads `<k`, never 0.
function table(title: string, rows: Record<string, number | null>, minCell: number): string {
  const keys = Object.keys(rows);
  if (keys.length === 0) return `  ${title}: none\n`;
  const width = Math.max(...keys.map((k) => k.length));
  return `  ${title}:\n${keys.map((k) => `    ${k.padEnd(width)}  ${rows[k] ?? `<${minCell}`}\n`).join('')}`;
}

/**
 * Renders the statistics report as text.
 * @param s - the report
 * @returns the text
 */
export function formatStatistics(s: StatisticsReport): string {
  return [
    `statistics (as of ${s.asOf ?? 'n/a'}, ${s.records} records; counts below ${s.minCell} shown as <${s.minCell})\n`,
    `  assets: ${s.assets.total}\n`,
    table('by classification', s.assets.byClassification, s.minCell),
    table('by status', s.assets.byStatus, s.minCell),
    table('by holder', s.assets.byHolder, s.minCell),
    table('by source department', s.assets.byDepartment, s.minCell),
    table('registered by period', s.assets.registeredByPeriod, s.minCell),
    `  transfers: ${s.transfers.total}\n`,
    table('transfers by period', s.transfers.byPeriod, s.minCell),
    `  licences: ${s.licences.granted} granted, ${s.licences.revoked} revoked, ${s.licences.active} active, ${s.licences.ended} ended\n`,
    table('licences granted by period', s.licences.grantedByPeriod, s.minCell),
    table('licences by purpose', s.licences.byPurpose, s.minCell),
    `  certificates: ${s.certificates.issued} issued, ${s.certificates.revoked} revoked, ${s.certificates.suspended} suspended, ${s.certificates.active} active\n`,
    table('certificates issued by period', s.certificates.issuedByPeriod, s.minCell),
    `  encrypted statistics: ${s.aggregations.opened} jobs opened, ${s.aggregations.contributions} contributions, ${s.aggregations.released} released\n`,
  ].join('');
}

function describeExample(e: ViolationExample): string {
  const who = e.actor === undefined ? '' : ` by ${e.actorRoles.length > 0 ? e.actorRoles.join('+') : 'no role'} ${shortDid(e.actor)}`;
  return `#${e.index ?? '?'} ${e.type ?? ''}${who}: ${e.message}`;
}

/**
 * Shortens a did:key for a table: the method prefix and the first and last characters.
 * @param did - a did:key
 * @returns e.g. `did:key:z6MkhaXg…2doK`
 */
export function shortDid(did: string): string {
  return did.length > 24 ? `${did.slice(0, 16)}…${did.slice(-4)}` : did;
}

/**
 * Renders the erasures: which disclosures of which record, when, by whom, why.
 * @param erasures - the `disclosure.erased` records in order
 * @returns the text
 */
export function formatErasures(erasures: readonly ErasureEntry[]): string {
  if (erasures.length === 0) return 'erasures: none\n';
  const lines = [`erasures: ${erasures.length}\n`];
  for (const e of erasures) {
    lines.push(`  #${e.index} ${e.time} by ${shortDid(e.actor)}: record #${e.target} ${e.erased.map((x) => x.member).join(', ')} (${e.reason})\n`);
  }
  return lines.join('');
}

/**
 * Renders the audit summary as text: integrity first, then one block per broken rule
 * (count, first examples with the actor's role), then the statistics.
 * @param summary - the audit summary
 * @returns the text
 */
export function formatAudit(summary: AuditSummary): string {
  const out: string[] = [];
  const i = summary.integrity;
  out.push(
    i === null || i.valid
      ? `integrity: valid, ${i?.size ?? summary.records} records, checkpoint signed by ${i?.logKey ?? 'n/a'}\n`
      : `integrity: INVALID: ${i.code ?? ''}${i.firstBadIndex === null ? '' : ` at record ${i.firstBadIndex}`} (the bundle cannot be relied on past this point)\n`,
  );
  out.push(`trusted: ${summary.trusted}${summary.trusted ? '' : " (checked against the bundle's own key, not a --log-key)"}\n`);
  out.push(`rules: ${summary.violations.length === 0 ? 'no violation' : `${summary.violations.length} violations of ${summary.rules.length} rules`}\n`);
  for (const rule of summary.rules) {
    out.push(`  ${rule.code}  ${rule.count}\n`);
    for (const e of rule.examples) out.push(`    ${describeExample(e)}\n`);
    if (rule.count > rule.examples.length) out.push(`    … ${rule.count - rule.examples.length} more\n`);
  }
  if (summary.violations.length > 0) {
    out.push('violations (all, in record order):\n');
    for (const v of summary.violations) out.push(`  #${v.index ?? '?'} ${v.type ?? ''} ${v.code}: ${v.message}\n`);
  }
  if (summary.disclosures.given > 0) out.push(`disclosures: ${summary.disclosures.given} given, ${summary.disclosures.used} matched a digest of the ledger\n`);
  out.push(summary.complete ? 'every rule checked\n' : formatUnchecked(summary.unchecked));
  out.push(formatErasures(summary.erasures));
  out.push(formatStatistics(summary.statistics));
  return out.join('');
}

/**
 * `dataledger audit BUNDLE (--log-key VKEY | --trust-bundle-key) [--json]`: the regulator's replay.
 * @param file - bundle path or "-"
 * @param options - see {@link AuditOptions}
 * @param io - streams
 * @returns 0 when intact with no violation, 1 otherwise
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE` (exit 2)
 */
export async function auditCommand(file: string, options: AuditOptions, io: CliIo): Promise<ExitStatus> {
  const summary = await auditBundleFile(file, options, io);
  if (options.json === true) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    io.stdout.write(formatAudit(summary));
    if (!summary.trusted) io.stderr.write("warning: UNTRUSTED: pass the log's published key with --log-key to rule out a self-consistent forgery.\n");
  }
  return summary.valid ? EXIT.OK : EXIT.INVALID;
}
