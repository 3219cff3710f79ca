// Typed helpers for declaring collectors; the contract itself lives in src/core/types.ts.
import type { AwsSourceConfig } from '../src/config/schema.js';
import type { AwsContextExtras } from '../src/core/sources.js';
import type { BaseContext, Collector } from '../src/core/types.js';

export type AwsContext = BaseContext<AwsSourceConfig> & AwsContextExtras;

export function defineCollector<C extends BaseContext>(c: Collector<C>): Collector<C> {
  return c;
}

/** Marks a thrown error with the API that failed, so the runner's gap names the call. */
export function withApi<T>(api: string, p: Promise<T>): Promise<T> {
  return p.catch((e) => {
    if (e && typeof e === 'object') (e as { api?: string }).api ??= api;
    throw e;
  });
}

export const DAY_MS = 86_400_000;

export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}
