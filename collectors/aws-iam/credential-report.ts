// The IAM credential report: a CSV (RFC 4180) of 22 columns. Values may be N/A, no_information,
// not_supported; the root row's user is <root_account>. IAM user names may contain commas (`+=,.@_-`),
// so the report is read with a real CSV parser, and every row is checked against the header: a row
// that does not fit is a problem naming it, never a row silently shifted or dropped.
import { parse } from 'csv-parse/sync';

export interface CredentialRow {
  user: string;
  arn: string;
  userCreationTime: string | null;
  passwordEnabled: boolean | null;
  passwordLastUsed: string | null;
  passwordLastChanged: string | null;
  mfaActive: boolean;
  accessKeys: { slot: 1 | 2; active: boolean; lastRotated: string | null; lastUsedDate: string | null; lastUsedService: string | null }[];
  raw: Record<string, string>;
}

export interface CredentialReport {
  rows: CredentialRow[];
  /** rows (1-based line of the CSV record) that could not be read; each becomes a gap */
  problems: { line: number; message: string }[];
}

/** The columns the checks read; the others are kept in `raw` as AWS sends them. */
export const REQUIRED_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_service',
] as const;

export class MalformedCredentialReport extends Error {
  readonly code = 'MalformedCredentialReport';
  constructor(message: string) {
    super(message);
    this.name = 'MalformedCredentialReport';
  }
}

const dateOrNull = (v: string | undefined): string | null => (v && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v : null);
const boolOrNull = (v: string | undefined): boolean | null => (v === 'true' ? true : v === 'false' ? false : null);
const BOOL = /^(true|false)$/;

function toRow(raw: Record<string, string>): CredentialRow {
  const service = (slot: 1 | 2) => {
    const v = raw[`access_key_${slot}_last_used_service`];
    return v && v !== 'N/A' ? v : null;
  };
  return {
    user: raw.user!,
    arn: raw.arn!,
    userCreationTime: dateOrNull(raw.user_creation_time),
    passwordEnabled: boolOrNull(raw.password_enabled),
    passwordLastUsed: dateOrNull(raw.password_last_used),
    passwordLastChanged: dateOrNull(raw.password_last_changed),
    mfaActive: raw.mfa_active === 'true',
    accessKeys: ([1, 2] as const).map((slot) => ({
      slot,
      active: raw[`access_key_${slot}_active`] === 'true',
      lastRotated: dateOrNull(raw[`access_key_${slot}_last_rotated`]),
      lastUsedDate: dateOrNull(raw[`access_key_${slot}_last_used_date`]),
      lastUsedService: service(slot),
    })),
    raw,
  };
}

/** Why a row whose cell count matches is still not a row of this report (a shifted value), or null. */
function rowProblem(raw: Record<string, string>): string | null {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:(root|user\/)/.test(raw.arn ?? '')) return `arn ${JSON.stringify(raw.arn ?? '')} is not an IAM user ARN`;
  for (const c of ['mfa_active', 'access_key_1_active', 'access_key_2_active']) if (!BOOL.test(raw[c] ?? '')) return `${c} is ${JSON.stringify(raw[c] ?? '')}, expected true or false`;
  return null;
}

/**
 * Parses the report. The header must hold every required column (else the whole report is refused);
 * a record with another cell count than the header, or with values that cannot be where they are, is
 * a problem naming its line and is left out of `rows`: the caller marks the artifact incomplete.
 */
export function parseCredentialReport(csv: string): CredentialReport {
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    throw new MalformedCredentialReport(`credential report is not valid CSV: ${(e as Error).message}`);
  }
  if (records.length === 0) throw new MalformedCredentialReport('credential report is empty (no header, no root row)');
  const header = records[0]!;
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new MalformedCredentialReport(`credential report header lacks ${missing.join(', ')}`);
  const rows: CredentialRow[] = [];
  const problems: CredentialReport['problems'] = [];
  records.slice(1).forEach((cells, i) => {
    const line = i + 2;
    const who = JSON.stringify(cells[0] ?? '');
    if (cells.length !== header.length) {
      problems.push({ line, message: `record ${line} (user ${who}) has ${cells.length} cells, the header has ${header.length}` });
      return;
    }
    const raw: Record<string, string> = {};
    header.forEach((h, k) => (raw[h] = cells[k]!));
    const bad = rowProblem(raw);
    if (bad) problems.push({ line, message: `record ${line} (user ${who}): ${bad}` });
    else rows.push(toRow(raw));
  });
  return { rows, problems };
}
