// Pure functions from aws-audit-trail's artifacts to findings. `enabled` passes when at least one
// trail records the whole account as an auditor needs it; each trail that falls short is listed with
// what it lacks when none does. A trail whose status or selectors could not be read is never counted
// as either: with no good trail, it makes the finding `error`.
import type { Check } from '../../src/core/types.js';
import { KIND, type TrailRecord } from './kinds.js';

export type TrailJudgement = { ok: true } | { ok: false; reasons: string[] } | { unread: string };

export function judgeTrail(t: TrailRecord): TrailJudgement {
  if ('error' in t.status) return { unread: `GetTrailStatus failed (${t.status.error})` };
  if (t.managementEvents && 'error' in t.managementEvents) return { unread: `GetEventSelectors failed (${t.managementEvents.error})` };
  const reasons: string[] = [];
  if (t.status.IsLogging !== true) reasons.push(`logging is off${t.status.StopLoggingTime ? ` (stopped ${t.status.StopLoggingTime})` : ''}`);
  if (!t.IsMultiRegionTrail) reasons.push(`a single-region trail: it records ${t.HomeRegion ?? 'its home region'} only`);
  if (!t.LogFileValidationEnabled) reasons.push('log file validation is off: altered or deleted log files cannot be detected');
  if (!t.KmsKeyId) reasons.push('log files are not encrypted with a KMS key (S3-managed encryption only)');
  const m = t.managementEvents;
  if (m === null) reasons.push('GetEventSelectors returned no selector: no management events are shown to be logged');
  else if (!m.read || !m.write) reasons.push(!m.read && !m.write ? 'its selectors log no management events' : `its selectors log only ${m.read ? 'read' : 'write'} management events`);
  return reasons.length ? { ok: false, reasons } : { ok: true };
}

export const checks: Check[] = [
  {
    id: 'aws-audit-trail.enabled',
    title: 'A CloudTrail trail logs the management events of every region, with log file validation and KMS encryption',
    severity: 'high',
    reads: [KIND.trails],
    async run(i) {
      const trails: TrailRecord[] = [];
      for await (const t of i.artifacts.iterate<TrailRecord>(KIND.trails)) trails.push(t);
      if (!trails.length) return { status: 'fail', summary: 'no CloudTrail trail in any configured region: API activity is kept only in the 90-day event history', exceptions: [{ resource: `account ${i.target.account ?? '?'}`, reason: 'no trail' }] };
      const judged = trails.map((t) => ({ t, j: judgeTrail(t) }));
      const good = judged.filter((x) => 'ok' in x.j && x.j.ok).map((x) => x.t);
      if (good.length) {
        const others = trails.length - good.length;
        return { status: 'pass', summary: `${good.map((t) => t.Name).join(', ')} log${good.length === 1 ? 's' : ''} read and write management events of every region, logging on, with log file validation and a KMS key${others ? `; ${others} other trail${others === 1 ? '' : 's'} fall short (not needed)` : ''}`, exceptions: [] };
      }
      const unread = judged.filter((x) => 'unread' in x.j);
      const exceptions = judged.map(({ t, j }) => ({ resource: t.TrailARN, reason: 'unread' in j ? `${j.unread}: not evaluated` : 'reasons' in j ? j.reasons.join('; ') : '' }));
      if (unread.length) return { status: 'error', summary: `${unread.length} of ${trails.length} trails could not be read (see the collector's gaps) and no other trail meets the requirements`, exceptions };
      return { status: 'fail', summary: `none of the ${trails.length} trails logs read and write management events of every region with logging on, log file validation and a KMS key`, exceptions };
    },
  },
];
