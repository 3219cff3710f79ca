// Shared constants for the Vertex sandbox tests: ids of the small-company fixture.
export const PROJECT = 'acme-ml-prod';
export const PROJECT_NUMBER = '412345678901';
export const LOC = 'us-central1';
export const PARENT = `projects/${PROJECT}/locations/${LOC}`;
export const NUM_PARENT = `projects/${PROJECT_NUMBER}/locations/${LOC}`;

export const FRAUD = '1467238951083851776';
export const CHURN = '2890145563217035264';
export const SUPPORT = '3312987406650671104';
export const DEMAND = '4405512398771879936';

export const EP_FRAUD = '5580311923841662976';
export const EP_SUPPORT = '6627183049176580096';
export const EP_CHURN = '7738094011238850560';

/** Fast retries for tests: the policy is the factory's, only the delays shrink. */
export const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 5_000 };

export const modelName = (id: string, loc = LOC) => `projects/${PROJECT}/locations/${loc}/models/${id}`;
export const artifactName = (id: string) => `projects/${PROJECT}/locations/${LOC}/metadataStores/default/artifacts/${id}`;

/** The gRPC code of a rejected call. */
export async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: number }).code;
  }
  throw new Error('expected the call to fail');
}
