// The IAM credential report: a 22-column CSV. Values may be N/A, no_information, not_supported;
// the root row's user is <root_account>. User names and ARNs cannot contain commas.

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

const dateOrNull = (v: string | undefined): string | null => (v && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v : null);
const boolOrNull = (v: string | undefined): boolean | null => (v === 'true' ? true : v === 'false' ? false : null);

export function parseCredentialReport(csv: string): CredentialRow[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const header = lines[0]!.split(',');
  if (!header.includes('user') || !header.includes('mfa_active')) throw Object.assign(new Error('credential report has an unexpected header'), { name: 'MalformedCredentialReport' });
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const raw: Record<string, string> = {};
    header.forEach((h, i) => (raw[h] = cells[i] ?? ''));
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
        lastUsedService: raw[`access_key_${slot}_last_used_service`] && raw[`access_key_${slot}_last_used_service`] !== 'N/A' ? raw[`access_key_${slot}_last_used_service`]! : null,
      })),
      raw,
    };
  });
}
