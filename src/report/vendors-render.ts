// The vendor inventory and the policies in the report's outputs: an HTML section, Markdown, and
// vendors.csv (one row per vendor × place it was seen) and policies.csv.
import { csv, h, md } from './escape.js';
import type { FileRef, ReportModel } from './model.js';
import type { VendorRow } from './vendors.js';

type Table = (head: string[], rows: string[][], o?: { empty?: string; max?: number }) => string;
type Ref = (r: FileRef, text?: string) => string;

const DPA: Record<VendorRow['dpaStatus'], string> = { 'in-force': 'in force', expired: 'EXPIRED', missing: 'MISSING', 'not-required': 'not required (no data shared)', 'not-registered': '—' };
const RISK: Record<VendorRow['riskStatus'], string> = { current: 'current', overdue: 'OVERDUE', missing: 'MISSING', 'not-registered': '—' };

const dpaText = (v: VendorRow) => `${DPA[v.dpaStatus]}${v.dpa ? ` (signed ${v.dpa.signed}${v.dpa.expires ? `, expires ${v.dpa.expires}` : ''})` : ''}`;
const riskText = (v: VendorRow) => `${RISK[v.riskStatus]}${v.riskAssessment ? ` (last ${v.riskAssessment.last}, due ${v.riskAssessment.due})` : ''}`;
const seenText = (v: VendorRow) => (v.firstSeen ? `${v.firstSeen.date} to ${v.lastSeen!.date}` : 'not seen in the evidence');

export function vendorsHtml(m: ReportModel, table: Table, ref: Ref): string {
  const V = m.vendors;
  if (!V) return '';
  const P = m.policies;
  const unregistered = V.vendors.filter((v) => !v.registered).length;
  const intro = `<p>Vendor management (${h(V.criteria.join(', '))}, control <code>${h(V.control)}</code>): ${
    V.register ? `the register <code>${h(V.register)}</code>` : 'no vendor register configured (config <code>vendors:</code>), so nothing below is judged'
  }; ${V.vendors.length} third parties, ${unregistered} of them found in the evidence but not registered; ${V.exceptions.length} exceptions (in the exception register). Third parties were looked for in ${V.kindsRead.length ? V.kindsRead.map((k) => `<code>${h(k)}</code>`).join(', ') : 'no artifact of the window'}; ${V.ownSkipped} identifiers found there are the company's own (config sources and the register's <code>own:</code>).</p>`;
  const vendors = table(
    ['Vendor', 'Services · owner', 'Data shared', 'DPA', 'Risk assessment', 'Seen'],
    V.vendors.map((v) => [
      `<b>${h(v.name)}</b>${v.registered ? '' : ' <b>(not in the register)</b>'}${v.identifiers.length ? `<br><span class="muted">${v.identifiers.map(h).join(', ')}</span>` : ''}`,
      v.services ? `${h(v.services)}<br><span class="muted">${h(v.owner ?? '')}</span>` : '—',
      h(v.classification ?? '—'),
      h(dpaText(v)),
      h(riskText(v)),
      h(seenText(v)),
    ]),
    { empty: 'No vendor registered or found in the evidence.' },
  );
  const places = V.vendors.flatMap((v) => v.seen.map((p) => [h(v.name), `<code>${h(p.kind)}</code> <span class="muted">${h(p.source)}</span>`, `<code>${h(p.resource)}</code><br><span class="muted">${h(p.via)}</span>`, `${h(p.firstSeen.date)} to ${h(p.lastSeen.date)} (${p.bundles} bundles)`, ref(p.evidence, p.lastSeen.bundle)]));
  const policies = P
    ? `<h3>Policies (control <code>${h(P.control)}</code>)</h3><p>Index <code>${h(P.index ?? '')}</code>; a policy past its review date on a day of the window is an exception (${P.exceptions.length}).</p>${table(
        ['Policy', 'Version', 'Owner · approver', 'Approved', 'Review due', 'Status', 'Document SHA-256'],
        P.policies.map((p) => [`<b>${h(p.title)}</b><br><code>${h(p.file)}</code>`, h(p.version), `${h(p.owner)}<br>${h(p.approver)}`, h(p.approvalDate), `${h(p.reviewDue)} (every ${p.reviewIntervalMonths} months)`, p.status === 'overdue' ? '<b>OVERDUE</b>' : 'current', `<code>${h(p.sha256.slice(0, 16))}…</code>`]),
      )}`
    : '';
  const notes = V.notes.length ? `<ul>${V.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '';
  return `${intro}${notes}${vendors}<h3>Where each third party was seen</h3>${table(['Vendor', 'Artifact kind', 'Resource', 'Seen', 'Last evidence'], places, { empty: 'No third party was found in the evidence.', max: 300 })}${policies}`;
}

export function vendorsMarkdown(m: ReportModel): string[] {
  const V = m.vendors;
  if (!V) return [];
  const esc = md;
  const row = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const L = ['## Vendors (CC9.2)', '', esc(`Register: ${V.register ?? 'none configured (config vendors:), nothing judged'}; ${V.vendors.length} third parties, ${V.vendors.filter((v) => !v.registered).length} not in the register; ${V.exceptions.length} exceptions.`), ''];
  L.push(row(['Vendor', 'Registered', 'Data shared', 'DPA', 'Risk assessment', 'Seen', 'Where']), '|---|---|---|---|---|---|---|');
  for (const v of V.vendors) L.push(row([v.name, v.registered ? 'yes' : 'NO', v.classification ?? '—', dpaText(v), riskText(v), seenText(v), v.seen.slice(0, 5).map((p) => `${p.kind}: ${p.resource}`).join('; ') + (v.seen.length > 5 ? ` and ${v.seen.length - 5} more (vendors.csv)` : '')]));
  L.push('');
  if (m.policies) {
    L.push(`## Policies (${m.policies.control})`, '', row(['Policy', 'File', 'Version', 'Owner', 'Approver', 'Approved', 'Review due', 'Status']), '|---|---|---|---|---|---|---|---|');
    for (const p of m.policies.policies) L.push(row([p.title, p.file, p.version, p.owner, p.approver, p.approvalDate, p.reviewDue, p.status === 'overdue' ? 'OVERDUE' : 'current']));
    L.push('');
  }
  return L;
}

export function vendorsCsv(m: ReportModel): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const V = m.vendors;
  if (V) {
    const head = ['vendor', 'registered', 'services', 'owner', 'classification', 'dpa_status', 'dpa_signed', 'dpa_expires', 'risk_status', 'risk_last', 'risk_due', 'identifier_type', 'identifier', 'artifact_kind', 'source', 'resource', 'via', 'first_seen', 'first_bundle', 'last_seen', 'last_bundle', 'bundles', 'evidence', 'evidence_sha256'];
    const rows = V.vendors.flatMap((v) => {
      const base = [v.name, v.registered, v.services, v.owner, v.classification, v.dpaStatus, v.dpa?.signed, v.dpa?.expires, v.riskStatus, v.riskAssessment?.last, v.riskAssessment?.due];
      if (!v.seen.length) return [[...base, '', '', '', '', '', '', '', '', '', '', 0, '', '']];
      return v.seen.map((p) => [...base, p.type, p.id, p.kind, p.source, p.resource, p.via, p.firstSeen.date, p.firstSeen.bundle, p.lastSeen.date, p.lastSeen.bundle, p.bundles, p.evidence.href, p.evidence.sha256]);
    });
    out.push({ path: 'vendors.csv', text: csv(head, rows) });
  }
  if (m.policies)
    out.push({
      path: 'policies.csv',
      text: csv(['id', 'title', 'file', 'sha256', 'bytes', 'version', 'owner', 'approver', 'approval_date', 'review_interval_months', 'review_due', 'status'], m.policies.policies.map((p) => [p.id, p.title, p.file, p.sha256, p.bytes, p.version, p.owner, p.approver, p.approvalDate, p.reviewIntervalMonths, p.reviewDue, p.status])),
    });
  return out;
}
