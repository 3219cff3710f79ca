// Bad vendor registers and policy indexes: one line naming the file and the path in it, exit 2.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadPolicies } from '../../src/report/policies.js';
import { loadVendorRegister } from '../../src/report/vendor-register.js';
import { runCli, tmpDir } from '../helpers/cli.js';

const write = (dir: string, name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
const vendor = (extra: string) => `vendors:\n  - name: Labelwise\n    services: labeling\n    dataShared: {classification: personal}\n    owner: ml\n${extra}`;
const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('vendors.yaml', () => {
  const dir = tmpDir('soc2-vendor-register-');
  it('reads a valid register with defaults', () => {
    const r = loadVendorRegister(write(dir, 'ok.yaml', vendor('    riskAssessment: {last: 2026-01-10}\n    identifiers: {domains: [labelwise.example]}\n')));
    expect(r.vendors[0]).toMatchObject({ name: 'Labelwise', riskAssessment: { last: '2026-01-10', intervalMonths: 12 }, identifiers: { domains: ['labelwise.example'], awsAccounts: [] } });
  });
  it.each([
    ['an unknown classification', vendor('').replace('personal', 'secret'), 'vendors[0].dataShared.classification: Invalid option: expected one of "none"|"internal"|"confidential"|"restricted"|"personal"'],
    ['a day that does not exist', vendor('    dpa: {signed: 2026-02-30}\n'), 'vendors[0].dpa.signed: expected a real calendar date as YYYY-MM-DD (that day does not exist)'],
    ['a bad account id', vendor('    identifiers: {awsAccounts: ["1234"]}\n'), 'vendors[0].identifiers.awsAccounts[0]: expected a 12-digit AWS account id'],
    ['an unknown key', vendor('    contract: yes\n'), 'vendors[0]: Unrecognized key: "contract"'],
    ['an expiry before the signature', vendor('    dpa: {signed: 2026-02-01, expires: 2025-02-01}\n'), 'vendors[0].dpa.expires: 2025-02-01 is before dpa.signed 2026-02-01'],
    ['a duplicate name', vendor('') + '  - {name: labelwise, services: again, dataShared: {classification: none}, owner: x}\n', 'vendors[1].name: "labelwise" is already the name of vendors[0]'],
  ])('refuses %s, naming the file and path', (_, text, message) => {
    const f = write(dir, 'bad.yaml', text);
    expect(err(() => loadVendorRegister(f, 'soc2.config.yaml: vendors: '))).toBe(`soc2.config.yaml: vendors: ${f}: ${message}`);
  });
  it('refuses a missing file', () => {
    expect(err(() => loadVendorRegister(path.join(dir, 'nope.yaml')))).toBe(`${path.join(dir, 'nope.yaml')}: vendor register not found`);
  });
});

describe('policy index', () => {
  const dir = tmpDir('soc2-policies-');
  const entry = (file: string) => `policies:\n  - {id: isp, title: Information Security Policy, file: ${file}, version: 1, owner: CISO, approver: CEO, approvalDate: 2026-01-01}\n`;
  it('refuses a declared policy file that does not exist, or is a directory, or is neither .md nor .pdf', () => {
    const f = write(dir, 'index.yaml', entry('missing.md'));
    expect(err(() => loadPolicies(f))).toBe(`${f}: policies[0].file: missing.md not found (expected the policy document next to the index)`);
    mkdirSync(path.join(dir, 'dir.md'), { recursive: true });
    write(dir, 'index.yaml', entry('dir.md'));
    expect(err(() => loadPolicies(f))).toBe(`${f}: policies[0].file: dir.md is not a regular file`);
    write(dir, 'index.yaml', entry('isp.docx'));
    expect(err(() => loadPolicies(f))).toBe(`${f}: policies[0].file: expected a .md or .pdf file`);
  });
});

describe('soc2 report with a bad vendors file', () => {
  it('exits 2 with one line naming the config key, the file and the path, before reading any evidence', async () => {
    const dir = tmpDir('soc2-vendor-cli-');
    write(dir, 'vendors.yaml', vendor('    dpa: {signed: someday}\n'));
    const cfg = write(dir, 'soc2.config.yaml', 'sources:\n  aws: [{name: prod, regions: [us-east-1]}]\nvendors: vendors.yaml\n');
    const r = await runCli(['report', '--config', cfg, '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`soc2: ${cfg}: vendors: ${path.join(dir, 'vendors.yaml')}: vendors[0].dpa.signed: expected a date as YYYY-MM-DD`);
  });
});
