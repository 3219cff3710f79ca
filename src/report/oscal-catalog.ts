// mappings/tsc-2017.oscal-catalog.json: the AICPA 2017 Trust Services Criteria (mappings/tsc-2017.yaml)
// as an OSCAL 1.1.2 catalog — one group per category, one sub-group per family (CC1 … P8), one control
// per criterion (id = the criterion id in lower case, as the assessment results reference it). The
// titles are this project's short paraphrases, not AICPA wording; the catalog says so. Regenerate
// with `npm run oscal-catalog` after editing tsc-2017.yaml (a test fails when they differ).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/paths.js';
import type { Criterion } from '../mapping/index.js';
import { oscalControlId, uuidV5 } from './oscal-ids.js';

export const OSCAL_CATALOG_FILE = path.join(packageRoot, 'mappings', 'tsc-2017.oscal-catalog.json');
export const CATALOG_UUID = uuidV5('catalog:aicpa-tsc-2017');
const OSCAL_VERSION = '1.1.2';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
/** CC6.1 → cc6, A1.2 → a1, PI1.3 → pi1 */
const familyId = (id: string) => id.split('.')[0]!.toLowerCase();

export function buildOscalCatalog(criteria: Criterion[], lastModified: string): Record<string, unknown> {
  const categories = new Map<string, Map<string, Criterion[]>>();
  for (const c of criteria) {
    const fams = categories.get(c.category) ?? new Map<string, Criterion[]>();
    categories.set(c.category, fams);
    const k = familyId(c.id);
    fams.set(k, [...(fams.get(k) ?? []), c]);
  }
  const groups = [...categories].map(([category, fams]) => ({
    id: slug(category),
    class: 'category',
    title: category,
    groups: [...fams].map(([fid, list]) => ({
      id: fid,
      class: 'family',
      title: `${fid.toUpperCase()} ${list[0]!.family}`,
      controls: list.map((c) => ({
        id: oscalControlId(c.id),
        class: 'criterion',
        title: c.title,
        props: [{ name: 'label', value: c.id }],
        parts: [{ id: `${oscalControlId(c.id)}_smt`, name: 'statement', prose: `${c.id}: ${c.title} (short paraphrase; the authoritative text is AICPA TSP Section 100).` }],
      })),
    })),
  }));
  return {
    catalog: {
      uuid: CATALOG_UUID,
      metadata: {
        title: 'AICPA 2017 Trust Services Criteria (with revised points of focus, 2022): criterion ids and short titles',
        'last-modified': lastModified,
        version: `tsc-2017/${criteria.length}`,
        'oscal-version': OSCAL_VERSION,
        remarks: 'Built by soc2 from mappings/tsc-2017.yaml. Control titles are short paraphrases written for this project, not AICPA wording; the criteria text is the AICPA’s (TSP Section 100).',
      },
      groups,
    },
  };
}

/** the shipped catalog, as committed */
export function readOscalCatalog(): { text: string; doc: { catalog: { uuid: string; metadata: { title: string } } } } {
  const text = readFileSync(OSCAL_CATALOG_FILE, 'utf8');
  return { text, doc: JSON.parse(text) };
}
