// Pure functions from `aws.secretsmanager.secrets` to findings; each lists its exceptions by ARN.
// The clock is input.now; secrets scheduled for deletion are left out of the rotation, unused and
// tag checks (they are listed by scheduled-for-deletion instead).
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { DAY_MS } from '../define.js';
import type { SecretsSettings } from './index.js';
import { describeGrant, externalGrants } from '../_shared/resource-policy.js';
import type { SecretRecord } from './record.js';

const KIND = 'aws.secretsmanager.secrets';
const day = (iso: string) => iso.slice(0, 10);
const daysSince = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);

/**
 * Streams the records (never the whole inventory in memory): `fn` sees every secret, or only the
 * ones not scheduled for deletion when `activeOnly`. Returns the counts for the summary.
 */
async function scan(i: CheckInput, activeOnly: boolean, fn: (r: SecretRecord) => void): Promise<{ all: number; active: number; deleted: number }> {
  const n = { all: 0, active: 0, deleted: 0 };
  for await (const r of i.artifacts.iterate<SecretRecord>(KIND)) {
    n.all++;
    if (r.DeletedDate) n.deleted++;
    else n.active++;
    if (!activeOnly || !r.DeletedDate) fn(r);
  }
  return n;
}

const excluded = (n: number) => (n ? `; ${n} secret${n === 1 ? '' : 's'} scheduled for deletion excluded` : '');

/** pass / fail over a population; not_applicable when the population is empty. */
function verdict(population: number, ex: Exception[], pass: string, fail: (n: number) => string, tail = '', empty = 'no secrets in this region'): CheckResult {
  if (population === 0) return { status: 'not_applicable', summary: empty + tail, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length) + tail, exceptions: ex } : { status: 'pass', summary: pass + tail, exceptions: [] };
}

/** rate(N days|hours) → days; other schedule expressions (cron) have no fixed interval. */
function rateDays(expr: string | undefined): number | null {
  const m = expr ? /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(expr.trim()) : null;
  if (!m) return null;
  const n = Number(m[1]);
  return m[2]!.toLowerCase().startsWith('hour') ? n / 24 : n;
}

export const checks: Check[] = [
  {
    id: 'aws-secrets-manager.rotation-enabled',
    title: 'Secrets have automatic rotation enabled',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      const n = await scan(i, true, (r) => {
        if (!r.RotationEnabled) ex.push({ resource: r.ARN, reason: r.OwningService ? `rotation not enabled (secret managed by ${r.OwningService})` : 'rotation not enabled' });
      });
      return verdict(n.active, ex, `all ${n.active} secrets have automatic rotation enabled`, (k) => `${k} of ${n.active} secrets have no automatic rotation`, excluded(n.deleted));
    },
  },
  {
    id: 'aws-secrets-manager.rotated-on-schedule',
    title: 'Secrets with rotation enabled were rotated on schedule',
    severity: 'medium',
    reads: [KIND],
    exceptions: 'event',
    async run(i) {
      const grace = (i.settings as SecretsSettings).rotationGraceDays;
      const ex: Exception[] = [];
      let rotating = 0;
      const n = await scan(i, true, (r) => {
        if (!r.RotationEnabled) return;
        rotating++;
        const rules = r.RotationRules ?? {};
        const interval = rules.AutomaticallyAfterDays ?? rateDays(rules.ScheduleExpression);
        if (interval) {
          const ref = r.LastRotatedDate ?? r.CreatedDate;
          if (!ref) {
            ex.push({ resource: r.ARN, reason: `rotation every ${interval} days, but neither LastRotatedDate nor CreatedDate is known` });
            return;
          }
          const age = (i.now.getTime() - Date.parse(ref)) / DAY_MS;
          if (age > interval + grace)
            ex.push({
              resource: r.ARN,
              reason: `${r.LastRotatedDate ? `last rotated ${day(ref)}` : `never rotated since created ${day(ref)}`}, ${Math.floor(age)} days ago (rotation every ${interval} days + ${grace} days grace)`,
            });
        } else if (r.NextRotationDate) {
          const late = (i.now.getTime() - Date.parse(r.NextRotationDate)) / DAY_MS;
          if (late > grace)
            ex.push({ resource: r.ARN, reason: `rotation was due ${day(r.NextRotationDate)} (${rules.ScheduleExpression ?? 'schedule'}), ${Math.floor(late)} days ago, beyond ${grace} days grace` });
        } else {
          ex.push({ resource: r.ARN, reason: `rotation enabled with ${rules.ScheduleExpression ? `schedule ${rules.ScheduleExpression}` : 'no rotation rules'} but no NextRotationDate: the schedule cannot be verified` });
        }
      });
      return verdict(rotating, ex, `all ${rotating} rotating secrets were rotated within their interval + ${grace} days`, (k) => `${k} of ${rotating} rotating secrets are overdue`, excluded(n.deleted), 'no secret has rotation enabled');
    },
  },
  {
    id: 'aws-secrets-manager.customer-managed-key',
    title: 'Secrets are encrypted with a customer-managed KMS key',
    severity: 'low',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      const n = await scan(i, false, (r) => {
        if (r.kms !== 'customer-managed') ex.push({ resource: r.ARN, reason: `encrypted with the AWS-managed key ${r.KmsKeyId ?? 'aws/secretsmanager'}` });
      });
      if (!(i.settings as SecretsSettings).requireCustomerManagedKey)
        return { status: 'not_applicable', summary: `customer-managed keys are not required (requireCustomerManagedKey: false); ${ex.length} of ${n.all} secrets use the AWS-managed key`, exceptions: [] };
      return verdict(n.all, ex, `all ${n.all} secrets use a customer-managed KMS key`, (k) => `${k} of ${n.all} secrets use the AWS-managed key`);
    },
  },
  {
    id: 'aws-secrets-manager.resource-policy-external',
    title: 'No secret resource policy grants access outside the account',
    severity: 'high',
    reads: [KIND],
    async run(i) {
      const own = i.target.account;
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      let withPolicy = 0;
      const n = await scan(i, false, (r) => {
        const p = r.resourcePolicy;
        if (p && typeof p === 'object' && 'error' in p && typeof p.error === 'string') {
          unread.push({ resource: r.ARN, reason: `resource policy could not be read (${p.error}): not evaluated` });
          return;
        }
        if (!p) return;
        withPolicy++;
        const grants = externalGrants(p, own);
        if (grants.length) ex.push({ resource: r.ARN, reason: grants.map(describeGrant).join('; ') });
      });
      const scope = `${withPolicy} of ${n.all} secrets have a resource policy`;
      if (unread.length)
        return { status: 'error', summary: `${unread.length} resource policies could not be read (see the collector's gaps); ${ex.length} external grants among the rest; ${scope}`, exceptions: [...unread, ...ex] };
      return verdict(n.all, ex, `no resource policy allows a principal outside account ${own ?? '(unknown)'} (${scope})`, (k) => `${k} secrets have resource policies allowing principals outside account ${own ?? '(unknown)'} (${scope})`);
    },
  },
  {
    id: 'aws-secrets-manager.unused',
    title: 'Secrets not read for longer than the limit are listed for retirement',
    severity: 'low',
    reads: [KIND],
    async run(i) {
      const days = (i.settings as SecretsSettings).unusedDays;
      const ex: Exception[] = [];
      const n = await scan(i, true, (r) => {
        if (r.LastAccessedDate) {
          const age = daysSince(r.LastAccessedDate, i.now);
          if (age > days) ex.push({ resource: r.ARN, reason: `last accessed ${day(r.LastAccessedDate)}, ${age} days ago (limit ${days})` });
        } else if (!r.CreatedDate) {
          ex.push({ resource: r.ARN, reason: 'never accessed; creation date unknown' });
        } else {
          const age = daysSince(r.CreatedDate, i.now);
          if (age > days) ex.push({ resource: r.ARN, reason: `never accessed since created ${day(r.CreatedDate)}, ${age} days ago (limit ${days})` });
        }
      });
      return verdict(n.active, ex, `every secret was read within ${days} days, or is younger than that`, (k) => `${k} of ${n.active} secrets not read for more than ${days} days`, excluded(n.deleted));
    },
  },
  {
    id: 'aws-secrets-manager.scheduled-for-deletion',
    title: 'Secrets scheduled for deletion are listed for review',
    severity: 'low',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      const n = await scan(i, false, (r) => {
        if (!r.DeletedDate) return;
        ex.push({
          resource: r.ARN,
          reason: Date.parse(r.DeletedDate) <= i.now.getTime() ? `deletion was due ${r.DeletedDate} and is still pending` : `scheduled for deletion on ${r.DeletedDate} (recoverable until then)`,
        });
      });
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${n.all} secrets are pending deletion: review that each is a deliberate retirement`, exceptions: ex }
        : { status: 'pass', summary: `no secret is scheduled for deletion (${n.all} secrets)`, exceptions: [] };
    },
  },
  {
    id: 'aws-secrets-manager.required-tags',
    title: 'Secrets carry the required tags',
    severity: 'low',
    reads: [KIND],
    async run(i) {
      const required = (i.settings as SecretsSettings).requiredTags;
      if (required.length === 0) return { status: 'not_applicable', summary: 'no required tags are configured (requiredTags: [])', exceptions: [] };
      const ex: Exception[] = [];
      const n = await scan(i, true, (r) => {
        const have = new Set(r.Tags.filter((t) => t.Value.trim() !== '').map((t) => t.Key.toLowerCase()));
        const missing = required.filter((k) => !have.has(k.toLowerCase()));
        if (missing.length) ex.push({ resource: r.ARN, reason: `missing tag${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}` });
      });
      return verdict(n.active, ex, `all ${n.active} secrets carry ${required.join(', ')}`, (k) => `${k} of ${n.active} secrets lack required tags (${required.join(', ')})`, excluded(n.deleted));
    },
  },
];
