// `soc2 permissions`: organization-level reads (aws-iam's SCPs) belong to the identity that lists the
// organization, never to the member accounts' evidence role.
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { buildPermissions } from '../../src/commands/permissions.js';

const SCP_ACTIONS = ['organizations:DescribeOrganization', 'organizations:DescribePolicy', 'organizations:ListParents', 'organizations:ListPoliciesForTarget'];
const iam = collectors.filter((c) => c.meta.id === 'aws-iam');

describe('soc2 permissions', () => {
  it('puts the SCP reads in the orchestrator policy with an organization, and nowhere in the evidence role', () => {
    const d = buildPermissions(iam, { organization: true });
    const evidence = d.aws!.policy.Statement.flatMap((s) => (s.Effect === 'Allow' ? (s.Action as string[]) : []));
    expect(evidence.filter((a) => a.startsWith('organizations:'))).toEqual([]);
    expect(evidence).toContain('iam:GetAccountAuthorizationDetails');
    expect(d.aws!.orchestratorPolicy!.Statement).toContainEqual({ Sid: 'ReadServiceControlPolicies', Effect: 'Allow', Action: SCP_ACTIONS, Resource: '*' });
  });

  it('without an organization the SCP reads are not asked for at all (never called)', () => {
    const d = buildPermissions(iam, { organization: false });
    expect(JSON.stringify(d.aws)).not.toMatch(/organizations:/);
  });
});
