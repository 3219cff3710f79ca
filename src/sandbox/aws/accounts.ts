// Where the sandbox finds an account by id: the seed's own accounts (live, mutable), else the
// organization's member accounts generated on demand (AwsSandboxOptions.members).
import type { AwsAccountSeed, AwsSeed } from './seed.js';
import type { Runtime } from './types.js';

export function findAccount(state: AwsSeed, runtime: Runtime, id: string): AwsAccountSeed | undefined {
  return state.accounts.find((a) => a.id === id) ?? runtime.opts.members?.get(id);
}
