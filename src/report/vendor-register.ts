// The vendor register (vendors.yaml; path in the config's `vendors:`): per third party its services,
// the data shared with it and its classification, the DPA, the risk assessment and its interval, the
// owner, and the identifiers by which it shows in the evidence (AWS accounts, OIDC/SAML providers,
// domains, buckets, GCP projects). `own:` lists the company's own identifiers beyond those the config
// already names, so that its own buckets, domains and projects are not taken for third parties.
import * as z from 'zod';
import { isCalendarDate } from '../config/schema.js';
import { readYamlFile } from '../config/yaml-file.js';
import { UsageError } from '../core/errors.js';

export const CLASSIFICATIONS = ['none', 'internal', 'confidential', 'restricted', 'personal'] as const;

const date = z
  .string({ error: 'expected a date as YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'expected a real calendar date as YYYY-MM-DD (that day does not exist)');
const strings = z.array(z.string().trim().min(1)).default([]);
const identifiers = z
  .strictObject({
    awsAccounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id')).default([]),
    /** provider URL or host/path as in the IAM provider ARN (token.actions.githubusercontent.com) */
    oidcProviders: strings,
    /** SAML provider names (the part after saml-provider/) or ARNs */
    samlProviders: strings,
    /** hosts; a subdomain matches too */
    domains: z.array(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'expected a lower-case domain such as labels.example.com')).default([]),
    /** S3 or GCS bucket names */
    buckets: strings,
    gcpProjects: strings,
  })
  .default({ awsAccounts: [], oidcProviders: [], samlProviders: [], domains: [], buckets: [], gcpProjects: [] });

const vendor = z.strictObject({
  name: z.string().trim().min(2),
  services: z.string().trim().min(2),
  dataShared: z.strictObject({ classification: z.enum(CLASSIFICATIONS), description: z.string().trim().min(2).optional() }),
  dpa: z.strictObject({ signed: date, expires: date.optional() }).optional(),
  riskAssessment: z.strictObject({ last: date, intervalMonths: z.number().int().min(1).max(60).default(12) }).optional(),
  owner: z.string().trim().min(1),
  /** the day the vendor entered the register: a sighting before it was an unregistered third party */
  registeredOn: date.optional(),
  identifiers,
});
const own = identifiers;
const registerFile = z.strictObject({ vendors: z.array(vendor).default([]), own: own });

export type Vendor = z.infer<typeof vendor>;
export type Identifiers = z.infer<typeof identifiers>;
export interface VendorRegister {
  file: string;
  vendors: Vendor[];
  own: Identifiers;
}

/** Reads and validates vendors.yaml; any problem is one UsageError naming the file and the path in it. */
export function loadVendorRegister(file: string, flag = ''): VendorRegister {
  const data = readYamlFile(file, registerFile, { what: 'vendor register', flag, empty: {} });
  const seen = new Map<string, number>();
  data.vendors.forEach((v, i) => {
    const k = v.name.toLowerCase();
    if (seen.has(k)) throw new UsageError(`${flag}${file}: vendors[${i}].name: "${v.name}" is already the name of vendors[${seen.get(k)}]`);
    seen.set(k, i);
    if (v.dpa?.expires && v.dpa.expires < v.dpa.signed) throw new UsageError(`${flag}${file}: vendors[${i}].dpa.expires: ${v.dpa.expires} is before dpa.signed ${v.dpa.signed}`);
  });
  return { file, vendors: data.vendors, own: data.own };
}
