import { auditBundle, type StatisticsReport, type Violation } from '@dataledger/certificates';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openSource } from '../source.ts';
import { checkVerifierKeys } from './verify.ts';

/** Options of `dataledger audit`. */
export interface AuditOptions {
  /** Trusted C2SP verifier keys of the log. */
  logKey?: string[] | undefined;
  /** Print {@link AuditSummary} as JSON. */
  json?: boolean | undefined;
}

/** What `audit --json` prints. */
export interface AuditSummary {
  /** True when the bundle is intact and no record breaks a rule. */
  valid: boolean;
  /** Records replayed. */
  records: number;
  /** The bundle's integrity (as `verify --json` prints it). */
  integrity: { valid: boolean; size: number; firstBadIndex: number | null; code: string | null; logKey: string | null } | null;
  /** Every violation in record order: index, rule code, message. */
  violations: Violation[];
  /** The statistics report (统计报告). */
  statistics: StatisticsReport;
}

/**
 * Audits a bundle file: integrity (as `verify`) and every registry rule, continuing past rule
 * violations so all are reported, then the statistics report.
 * @param file - bundle path or "-"
 * @param options - trusted log keys
 * @param io - streams
 * @returns the summary
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE`
 */
export async function auditBundleFile(file: string, options: AuditOptions, io: CliIo): Promise<AuditSummary> {
  const trusted = checkVerifierKeys(options.logKey ?? []);
  const source = await openSource(file, io);
  const report = await auditBundle(source.chunks, trusted.length > 0 ? { trustedLogKeys: trusted } : {});
  const i = report.integrity;
  return {
    valid: report.valid,
    records: report.records,
    integrity: i === null ? null : { valid: i.valid, size: i.size, firstBadIndex: i.firstBadIndex, code: i.code, logKey: i.logKey },
    violations: report.violations,
    statistics: report.statistics,
  };
}

function table(title: string, rows: Record<string, number>): string {
  const keys = Object.keys(rows);
  if (keys.length === 0) return `  ${title}: none\n`;
  const width = Math.max(...keys.map((k) => k.length));
  return `  ${title}:\n${keys.map((k) => `    ${k.padEnd(width)}  ${rows[k]}\n`).join('')}`;
}

/**
 * Renders the statistics report as text.
 * @param s - the report
 * @returns the text
 */
export function formatStatistics(s: StatisticsReport): string {
  return [
    `statistics (as of ${s.asOf ?? 'n/a'}, ${s.records} records)\n`,
    `  assets: ${s.assets.total}\n`,
    table('by classification', s.assets.byClassification),
    table('by status', s.assets.byStatus),
    table('by holder', s.assets.byHolder),
    table('registered by period', s.assets.registeredByPeriod),
    `  transfers: ${s.transfers.total}\n`,
    table('transfers by period', s.transfers.byPeriod),
    `  licences: ${s.licences.granted} granted, ${s.licences.revoked} revoked, ${s.licences.active} active, ${s.licences.ended} ended\n`,
    table('licences granted by period', s.licences.grantedByPeriod),
    `  certificates: ${s.certificates.issued} issued, ${s.certificates.revoked} revoked, ${s.certificates.suspended} suspended, ${s.certificates.active} active\n`,
    table('certificates issued by period', s.certificates.issuedByPeriod),
    `  encrypted statistics: ${s.aggregations.opened} jobs opened, ${s.aggregations.contributions} contributions, ${s.aggregations.released} released\n`,
  ].join('');
}

/**
 * `dataledger audit BUNDLE [--log-key VKEY] [--json]`: the regulator's replay.
 * @param file - bundle path or "-"
 * @param options - see {@link AuditOptions}
 * @param io - streams
 * @returns 0 when intact with no violation, 1 otherwise
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE` (exit 2)
 */
export async function auditCommand(file: string, options: AuditOptions, io: CliIo): Promise<ExitStatus> {
  const summary = await auditBundleFile(file, options, io);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const i = summary.integrity;
    io.stdout.write(
      i === null || i.valid
        ? `integrity: valid, ${i?.size ?? summary.records} records, checkpoint signed by ${i?.logKey ?? 'n/a'}\n`
        : `integrity: INVALID: ${i.code ?? ''}${i.firstBadIndex === null ? '' : ` at record ${i.firstBadIndex}`}\n`,
    );
    io.stdout.write(`violations: ${summary.violations.length}\n`);
    for (const v of summary.violations) {
      io.stdout.write(`  #${v.index} ${v.type ?? ''} ${v.code}: ${v.message}\n`);
    }
    io.stdout.write(formatStatistics(summary.statistics));
  }
  return summary.valid ? EXIT.OK : EXIT.INVALID;
}
