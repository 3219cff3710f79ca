// The genuine MLflow 2.22 server (vendored source, Debian's python3): seeded through its own Python
// client, collected by both MLflow collectors through the CLI, compared with what the client reports.
import { describe } from 'vitest';
import { describeBasicAuth } from './basic-auth.js';
import { describeContract } from './contract.js';
import { available, compareWithClient, startModesEarly, twoCollections, twoCollectionTests } from './suite.js';

startModesEarly('2.22', ['basic-auth']);

describe.skipIf(!available)('genuine MLflow 2.22 (gunicorn, no auth)', () => {
  const t = twoCollections('2.22');

  compareWithClient(() => t().first, () => t().truth, () => t().seed, false);
  describeContract('2.22', t);

  twoCollectionTests(t, '2.22', 11);
});

describeBasicAuth('2.22');
