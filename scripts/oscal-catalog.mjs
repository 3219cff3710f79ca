// Writes mappings/tsc-2017.oscal-catalog.json from mappings/tsc-2017.yaml (run: npm run oscal-catalog).
import { writeFileSync } from 'node:fs';
import { loadMappings } from '../dist/src/mapping/index.js';
import { buildOscalCatalog, OSCAL_CATALOG_FILE } from '../dist/src/report/oscal-catalog.js';

const doc = buildOscalCatalog(loadMappings().catalog, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
writeFileSync(OSCAL_CATALOG_FILE, JSON.stringify(doc, null, 2) + '\n');
console.log(`wrote ${OSCAL_CATALOG_FILE}`);
