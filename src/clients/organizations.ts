// The Organizations part of the AWS client factory (src/clients/aws.ts), in its own module so that its
// SDK client loads only for organization sources (start-up of every other AWS collect: docs/performance.md).
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { makeClient, type CallCounter, type Credentials } from './aws.js';
import type { Circuits } from '../core/circuit.js';

export async function listAccounts(creds: Credentials, region: string, counter: CallCounter, circuits?: Circuits): Promise<{ id: string; name?: string; status?: string }[]> {
  const org = makeClient(OrganizationsClient, { region, credentials: creds, counter, circuits });
  const out: { id: string; name?: string; status?: string }[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    do {
      const page = await org.send(new ListAccountsCommand({ NextToken: token }));
      for (const a of page.Accounts ?? []) if (a.Id) out.push({ id: a.Id, ...(a.Name ? { name: a.Name } : {}), ...(a.Status ? { status: a.Status } : {}) });
      token = page.NextToken || undefined;
      if (token) {
        if (seen.has(token)) throw Object.assign(new Error('ListAccounts: pagination token repeated'), { name: 'RepeatedPaginationToken' });
        seen.add(token);
      }
    } while (token);
  } finally {
    org.destroy();
  }
  return out;
}
