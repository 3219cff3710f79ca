import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { repoRoot } from '../helpers/cli.js';

describe('published JSON Schema', () => {
  it('is the one generated from the zod schema (run `npm run schema` after changing it)', () => {
    const published = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'soc2.config.schema.json'), 'utf8'));
    const fresh = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete published.title;
    expect(published).toEqual(JSON.parse(JSON.stringify(fresh)));
  });
});
