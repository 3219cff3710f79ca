// Writes schema/soc2.config.schema.json from the zod schema (the single description of the config).
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../dist/src/config/schema.js';

const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
schema.title = 'soc2.config.yaml';
writeFileSync(new URL('../schema/soc2.config.schema.json', import.meta.url), JSON.stringify(schema, null, 2) + '\n');
