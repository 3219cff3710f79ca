import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, hasUserinfo, isSecretKey, maskUserinfo, redactString } from '../../src/core/redact.js';

describe('credential redaction', () => {
  it('recognises secret-looking keys, camelCase included, but not hyperparameters', () => {
    for (const k of ['password', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'client_secret', 'hf_token', 'api_key', 'apiKey', 'openaiApiKey', 'private_key', 'github-token', 'credentials', 'authorization'])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['max_tokens', 'maxTokens', 'tokenizer', 'num_leaves', 'learning_rate', 'passes', 'author', 'keyword']) expect(isSecretKey(k), k).toBe(false);
  });

  it('replaces only the secret part of values', () => {
    expect(redactString('postgresql://trainer:hunter2@db:5432/features')).toBe(`postgresql://trainer:${REDACTED}@db:5432/features`);
    expect(redactString('key AKIAIOSFODNN7EXAMPLE in use')).toBe(`key ${REDACTED} in use`);
    expect(redactString('ASIAY34FZKBOKMUTVV7A')).toBe(REDACTED);
    expect(redactString('Authorization: Bearer eyJhbGciOi.abc-def_ghi.jkl')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactString(`Basic ${Buffer.from('alice:pw').toString('base64')}`)).toBe(`Basic ${REDACTED}`);
    expect(redactString('Basic authentication is off')).toBe('Basic authentication is off');
    expect(redactString('ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe(REDACTED);
    expect(redactString('slack xoxb-1234567890-abcdefghij')).toBe(`slack ${REDACTED}`);
    expect(redactString('python train.py --password=swordfish --max_tokens=512')).toBe(`python train.py --password=${REDACTED} --max_tokens=512`);
    expect(redactString('https://x.io/data?token=abc123&part=1')).toBe(`https://x.io/data?token=${REDACTED}&part=1`);
    expect(redactString('{"api_key": "k-123", "rows": 10}')).toBe(`{"api_key": "${REDACTED}", "rows": 10}`);
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----';
    expect(redactString(`key:\n${pem}\nend`)).toBe(`key:\n${REDACTED}\nend`);
    expect(redactString('s3://acme-data/fraud/train.parquet')).toBe('s3://acme-data/fraud/train.parquet');
  });

  it('redacts passwords in ODBC/JDBC connection strings, braces and quotes included', () => {
    expect(redactString('Driver={ODBC Driver 18};Server=db;Uid=trainer;Pwd=Sw0rdf1sh;Encrypt=yes')).toBe(`Driver={ODBC Driver 18};Server=db;Uid=trainer;Pwd=${REDACTED};Encrypt=yes`);
    expect(redactString('Server=db;User ID=sa;Password={p;a=ss};Database=features')).toBe(`Server=db;User ID=sa;Password={${REDACTED}};Database=features`);
    expect(redactString('jdbc:sqlserver://db:1433;databaseName=f;user=sa;password=hunter2')).toBe(`jdbc:sqlserver://db:1433;databaseName=f;user=sa;password=${REDACTED}`);
    expect(redactString('jdbc:postgresql://db/f?user=a&PWD=hunter2&ssl=true')).toBe(`jdbc:postgresql://db/f?user=a&PWD=${REDACTED}&ssl=true`);
    expect(redactString("DSN=warehouse;PWD='x y z';UID=etl")).toBe(`DSN=warehouse;PWD='${REDACTED}';UID=etl`);
  });

  it('redacts pre-signed URL signatures and credentials (S3, GCS, Azure SAS) without doubling brackets', () => {
    const s3 = 'https://b.s3.amazonaws.com/train.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    expect(redactString(s3)).toBe(`https://b.s3.amazonaws.com/train.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${REDACTED}&X-Amz-Date=20261201T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${REDACTED}`);
    const gcs = 'https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F20261201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Signature=a1b2c3';
    expect(redactString(gcs)).toBe(`https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=${REDACTED}&X-Goog-Signature=${REDACTED}`);
    const sas = 'https://acct.blob.core.windows.net/c/train.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&sig=AbCdEf%2B123%3D';
    expect(redactString(sas)).toBe(`https://acct.blob.core.windows.net/c/train.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&sig=${REDACTED}`);
    expect(redactString('X-Amz-Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/s3/aws4_request')).toBe(`X-Amz-Credential=${REDACTED}`);
    expect(redactString(s3)).not.toContain(']]');
  });

  it('leaves ordinary names and signatures-in-prose alone', () => {
    for (const s of ['sig_figs=3', 'signature_version=v4', 'design=sigmoid', 'fraud-train-2026-11', 'Password policy requires 14 characters'])
      expect(redactString(s), s).toBe(s);
  });

  it('counts redactions per category and redacts keyed values whole', () => {
    const r = new Redactor();
    expect(r.keyed('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG', 'params')).toBe(REDACTED);
    expect(r.keyed('epochs', '3', 'params')).toBe('3');
    expect(r.json({ uri: 'https://u:p4ss@host/x', nested: [{ token: 't' }] }, 'datasetSources')).toEqual({ uri: `https://u:${REDACTED}@host/x`, nested: [{ token: REDACTED }] });
    expect(r.counts).toEqual({ params: 1, datasetSources: 2 });
    expect(r.total).toBe(3);
  });

  it('strips userinfo, query and secret path segments from webhook URLs', () => {
    const r = new Redactor();
    expect(r.url('https://hooks.slack.com/services/T000/B000/XXXX', 'w')).toEqual({ url: `https://hooks.slack.com/services/T000/B000/${REDACTED}`, redacted: true });
    expect(r.url('https://bob:pw@hooks.acme.ai/in?sig=abc#x', 'w')).toEqual({ url: 'https://hooks.acme.ai/in', redacted: true });
    expect(r.url('https://hooks.acme.ai/mlflow/registry-audit', 'w')).toEqual({ url: 'https://hooks.acme.ai/mlflow/registry-audit', redacted: false });
    expect(r.url('https://discord.com/api/webhooks/123/tok', 'w').url).toBe(`https://discord.com/api/webhooks/123/${REDACTED}`);
    expect(r.url('https://x.io/hook/a1b2c3d4e5f6g7h8i9j0k1l2m3', 'w').url).toBe(`https://x.io/hook/${REDACTED}`);
    expect(r.counts.w).toBe(4);
  });

  it('masks a password up to the last "@" of the authority, where URL parsers end the userinfo', () => {
    // a raw "@" inside the password: the mask used to stop at the first one and print the rest
    expect(redactString('postgresql://trainer:p@ss@w0rd@db:5432/features')).toBe(`postgresql://trainer:${REDACTED}@db:5432/features`);
    expect(redactString('see https://u:a@b@host/x and https://v:c@host2/y')).toBe(`see https://u:${REDACTED}@host/x and https://v:${REDACTED}@host2/y`);
  });

  it('maskUserinfo hides the whole userinfo of every URI in a printed line, user and token-only forms included', () => {
    expect(maskUserinfo('MLFLOW_TRACKING_URI: "ftp://alice:p@ss@mlflow.acme.example/x" is not http(s)')).toBe('MLFLOW_TRACKING_URI: "ftp://***@mlflow.acme.example/x" is not http(s)');
    expect(maskUserinfo('https://ghp_abcdefghijklmnop@github.com/acme/repo.git')).toBe('https://***@github.com/acme/repo.git');
    expect(maskUserinfo('https://mlflow.acme.example/path?x=a@b')).toBe('https://mlflow.acme.example/path?x=a@b');
    expect(hasUserinfo('https://alice@mlflow.acme.example')).toBe(true);
    expect(hasUserinfo('https://mlflow.acme.example/a@b')).toBe(false);
  });
});
