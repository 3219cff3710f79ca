// sources.prometheus[] through the built CLI: credentials never in the file, SLOs that make sense.
import { describe, expect, it } from 'vitest';
import { runCli, tmpDir, writeConfig } from '../helpers/cli.js';

const source = (lines: string[]) => ['sources:', '  prometheus:', '    - name: metrics', ...lines.map((l) => `      ${l}`)].join('\n') + '\n';
const svc = ['services:', '  - {name: inference, query: up, target: 0.999}'];

async function usage(lines: string[]): Promise<string> {
  const dir = tmpDir('soc2-prom-config-');
  const r = await runCli(['collect', '--config', writeConfig(dir, source(lines))], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  return r.stderr;
}

describe('sources.prometheus[] in the config', () => {
  it('refuses credentials in the URL and a token written in the file', async () => {
    expect(await usage(['url: https://user:pw@prom.example.com', ...svc])).toContain('sources.prometheus[0].url: expected a URL without credentials in it');
    const tokenInFile = await usage(['url: https://prom.example.com', 'auth: {type: bearer, tokenEnv: "s3cr3t-token-value!"}', ...svc]);
    expect(tokenInFile).toContain('sources.prometheus[0].auth.tokenEnv: expected the NAME of an environment variable');
    expect(tokenInFile).not.toContain('s3cr3t');
  });

  it('needs targets in (0, 1] and unique service names', async () => {
    expect(await usage(['url: https://prom.example.com', 'services:', '  - {name: inference, query: up, target: 99.9}'])).toContain('sources.prometheus[0].services[0].target');
    expect(await usage(['url: https://prom.example.com', 'services:', '  - {name: a, query: up, target: 0.9}', '  - {name: a, query: up, target: 0.99}'])).toContain('expected unique service names');
  });
});
