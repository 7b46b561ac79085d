/**
 * Disclosures files for `verify --disclosures` and `audit --disclosures`, and the registry's
 * rules replayed beside a verify (DESIGN.md "Disclosure policy": without the disclosures a
 * replay checks every rule that needs only public members and lists the others).
 */
import { disclosureMap, openDisclosuresText, RegistryAuditor, type OpenedDisclosure, type UncheckedSummary, type Violation } from '@dataledger/certificates';
import type { LedgerRecord } from '@dataledger/provenance';
import type { CliIo } from './io.ts';
import { readText } from './source.ts';

/**
 * Reads a disclosures file (one disclosure per line; `#` comments and blank lines ignored),
 * each checked to be well formed, indexed by digest.
 * @param file - path or "-"
 * @param io - streams and working directory
 * @returns the disclosures by digest
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`; CertificateError `DISCLOSURE_MALFORMED` (with the line)
 */
export async function readDisclosuresFile(file: string, io: CliIo): Promise<Map<string, OpenedDisclosure>> {
  return disclosureMap(openDisclosuresText(await readText(file, io, 256 * 1024 * 1024)));
}

/** What the rule replay of a verify found. */
export interface RulesOutcome {
  /** Rule violations in record order, then `DISCLOSURE_FOREIGN` when a disclosure matched no digest. */
  violations: Violation[];
  /** Rules not checked: a member they need is concealed and its disclosure was not given. Never counted as passed. */
  unchecked: UncheckedSummary[];
  /** True when every rule of every record was checked. */
  complete: boolean;
  /** Disclosures given, and how many matched a digest of the ledger. */
  disclosures: { given: number; used: number };
}

/**
 * The registry's rules replayed record by record beside an integrity replay: on a registry
 * ledger (its first record is `ledger.genesis`, DESIGN.md) or whenever disclosures are given.
 * A log of other records (a bare provenance log) gets the integrity checks alone.
 */
export class RuleReplay {
  readonly #auditor: RegistryAuditor;
  #on: boolean;

  /** @param disclosures - disclosures by digest (`readDisclosuresFile`), if given */
  constructor(disclosures: ReadonlyMap<string, OpenedDisclosure> | undefined) {
    this.#auditor = new RegistryAuditor(disclosures === undefined ? {} : { disclosures });
    this.#on = disclosures !== undefined;
  }

  /** Feeds one record (as `verifyBundle`'s `onRecord` hands it over). */
  readonly push = (record: LedgerRecord): void => {
    if (record.index === 0 && record.type === 'ledger.genesis') this.#on = true;
    if (this.#on) this.#auditor.push(record);
  };

  /** The outcome, or null when no rule was replayed (not a registry ledger). */
  outcome(): RulesOutcome | null {
    if (!this.#on) return null;
    const violations = [...this.#auditor.violations];
    const foreign = this.#auditor.foreignDisclosures();
    if (foreign !== null) violations.push(foreign);
    const { unchecked, complete, disclosures } = this.#auditor.summary();
    return { violations, unchecked, complete, disclosures };
  }
}

/**
 * The lines that say which rules a replay could not check.
 * @param unchecked - the rules not checked
 * @returns the text (empty when every rule was checked)
 */
export function formatUnchecked(unchecked: readonly UncheckedSummary[]): string {
  if (unchecked.length === 0) return '';
  const lines = [`${unchecked.length} rules not checked: disclosures needed (give them with --disclosures FILE)\n`];
  for (const u of unchecked) {
    const more = u.records > u.indexes.length ? ', …' : '';
    lines.push(`  ${u.rule}  on ${u.records} record(s) (#${u.indexes.join(', #')}${more}): ${u.reason}\n`);
  }
  return lines.join('');
}
