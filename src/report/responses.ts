// Management responses to exceptions (responses.yaml; path in the config's report.responses or
// --responses): per exception — by its id from exceptions.csv, or by check and resource — the
// response, owner, root cause, remediation and ticket. Joined to the register; an exception with no
// response older than report.responseDueDays is listed as overdue.
import * as z from 'zod';
import { readYamlFile } from '../config/yaml-file.js';
import type { ExceptionResponse, ExceptionRow, ResponsesSummary } from './model.js';

export const DEFAULT_RESPONSE_DUE_DAYS = 30;

const text = z.string().trim().min(1);
const entry = z
  .strictObject({
    /** the exception's id (first column of exceptions.csv) */
    exception: z.string().regex(/^[0-9a-f]{16}$/, 'expected the 16-hex id of an exception (exceptions.csv, column id)').optional(),
    /** or every exception of this check on this resource (any source and scope) */
    check: text.optional(),
    resource: text.optional(),
    response: text,
    owner: text,
    rootCause: text.optional(),
    remediation: text.optional(),
    ticket: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of the ticket' }).optional(),
    respondedAt: z.iso.date({ error: 'expected a date as YYYY-MM-DD' }).optional(),
  })
  .refine((e) => (e.exception !== undefined) !== (e.check !== undefined || e.resource !== undefined) && (e.exception !== undefined || (e.check !== undefined && e.resource !== undefined)), {
    error: 'expected either exception (an id) or both check and resource',
  });
const responsesFile = z.strictObject({ responses: z.array(entry) });

export type ResponseEntry = z.infer<typeof entry> & { where: string };

/** Reads and validates a responses file; any problem is one UsageError naming the file and the path in it. */
export function loadResponses(file: string): ResponseEntry[] {
  return readYamlFile(file, responsesFile, { what: 'responses file' }).responses.map((e, i) => ({ ...e, where: `responses[${i}]` }));
}

const responseOf = (e: ResponseEntry): ExceptionResponse => ({
  response: e.response,
  owner: e.owner,
  rootCause: e.rootCause ?? null,
  remediation: e.remediation ?? null,
  ticket: e.ticket ?? null,
  respondedAt: e.respondedAt ?? null,
  entry: e.where,
});

/** Joins responses to the register (an id wins over check + resource; the first entry wins) and lists what is overdue. */
export function applyResponses(rows: ExceptionRow[], entries: ResponseEntry[], o: { file: string | null; dueDays: number }): ResponsesSummary {
  const unmatched: string[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const e of entries.filter((x) => x.exception !== undefined)) {
    const r = byId.get(e.exception!);
    if (!r) unmatched.push(`${e.where}: exception ${e.exception}`);
    else r.response ??= responseOf(e);
  }
  for (const e of entries.filter((x) => x.exception === undefined)) {
    const mine = rows.filter((r) => r.check === e.check && r.resource === e.resource);
    if (!mine.length) unmatched.push(`${e.where}: check ${e.check} resource ${e.resource}`);
    for (const r of mine) r.response ??= responseOf(e);
  }
  for (const r of rows) r.responseOverdue = !r.response && r.ageDays > o.dueDays;
  return { file: o.file, dueDays: o.dueDays, answered: rows.filter((r) => r.response).length, overdue: rows.filter((r) => r.responseOverdue).map((r) => r.id), unmatched };
}
