import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { parseConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/core/errors.js';

const F = 'soc2.config.yaml';
const parse = (text: string) => parseConfig(text, F, collectors);
const errorOf = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a config error');
};

describe('config loader', () => {
  it('accepts the minimal AWS config and applies defaults', () => {
    const { config, settings, sha256 } = parse('sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    expect(config.sources.aws[0]).toMatchObject({ name: 'main', regions: ['us-east-1'] });
    expect(config.evidence.dir).toBe('evidence');
    expect(config.collectors).toBe('all');
    expect(config.scope).toEqual(['security']);
    expect((settings['aws-iam'] as { accessKeyMaxAgeDays: number }).accessKeyMaxAgeDays).toBe(90);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['sources:\n  aws:\n    - name: main\n      regions: us-east-1\n', 'soc2.config.yaml: sources.aws[0].regions: Invalid input: expected array'],
    ['sources:\n  aws:\n    - name: main\n      regions: [moon-1]\n', 'sources.aws[0].regions[0]: expected an AWS region'],
    ['sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n      colour: blue\n', 'sources.aws[0]: unknown key "colour"'],
    ['sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n      secretAccessKey: abc\n', 'sources.aws[0].secretAccessKey: credentials are never read from the config file'],
    ['sources:\n  aws:\n    - {name: a, regions: [us-east-1]}\n    - {name: a, regions: [us-east-1]}\n', 'sources.aws[1].name: source name "a" is already used'],
    ['collectors: [aws-iam, nope]\n', 'collectors[1]: unknown collector "nope"'],
    ['settings:\n  aws-iam:\n    accessKeyMaxAgeDays: soon\n', 'settings.aws-iam.accessKeyMaxAgeDays: Invalid input: expected number'],
    ['settings:\n  nope: {}\n', 'settings.nope: unknown collector'],
    ['scope: [security, secrecy]\n', 'scope[1]: Invalid option'],
    ['observationPeriod: {from: 2026-12-01, to: 2026-01-01}\n', 'observationPeriod.from: 2026-12-01 is after'],
    ['- just\n- a list\n', '(top level): expected a mapping'],
    ['', 'the config is empty'],
    ['sources: {aws: [}\n', 'not valid YAML'],
    ['a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n', 'not valid YAML'],
    ['sources:\n  vertex:\n    - {name: v, project: acme-ml-prod, locations: [us-central1], insecure: true}\n', 'sources.vertex[0].insecure: needs apiEndpoint'],
    ['sources:\n  aws:\n    - {name: a, regions: [us-east-1], externalId: xyz}\n', 'sources.aws[0].externalId: only meaningful with assumeRoleArn'],
    // dates that do not exist are refused at load, not when the report parses them
    ['observationPeriod: {from: 2026-02-30, to: 2026-12-31}\n', 'observationPeriod.from: expected a real calendar date'],
    ['observationPeriod: {from: 2026-01-01, to: 2026-13-45}\n', 'observationPeriod.to: expected a real calendar date'],
    // credentials in the tracking URI are refused like a password key, without echoing them
    ['sources:\n  mlflow:\n    - {name: m, trackingUri: "https://alice:s3cr3t@mlflow.acme.example"}\n', 'sources.mlflow[0].trackingUri: credentials are never read from the config file; remove the "user:password@" part and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD'],
    ['evidence:\n  s3: {bucket: acme-evidence, prefix: /soc2}\n', 'evidence.s3.prefix: expected a key prefix without leading or trailing "/"'],
    ['evidence:\n  s3: {bucket: acme-evidence, prefix: soc2/}\n', 'evidence.s3.prefix: expected a key prefix without leading or trailing "/"'],
  ])('rejects %j with a message naming the path', (text, expected) => {
    const msg = errorOf(text);
    expect(msg).toContain(expected);
    expect(msg.startsWith('soc2.config.yaml')).toBe(true);
    expect(msg).not.toContain('\n');
    expect(msg).not.toContain('s3cr3t');
  });

  it('accepts real dates, from = to, and S3 prefixes S3 accepts (one character included)', () => {
    expect(parse('observationPeriod: {from: 2028-02-29, to: 2028-02-29}\n').config.observationPeriod).toEqual({ from: '2028-02-29', to: '2028-02-29' });
    expect(errorOf('observationPeriod: {from: 2027-02-29, to: 2027-03-01}\n')).toContain('observationPeriod.from: expected a real calendar date');
    for (const prefix of ['x', 'soc2/prod', 'a b/ü.7', '']) expect(parse(`evidence:\n  s3: {bucket: acme-evidence, prefix: ${JSON.stringify(prefix)}}\n`).config.evidence.s3!.prefix).toBe(prefix);
  });
});
