// Per-item failures (one secret's policy, one model's versions, one version's transition requests):
// the first MAX_ITEM_GAPS per API are gaps naming the item; the rest are counted and summed up per
// API in one gap at flush(), so a denial of every item does not bury the manifest in gaps. Each
// failed item is still marked with its error in the artifact.
import { describeError } from '../../src/core/errors.js';
import type { Gap } from '../../src/core/types.js';

export const MAX_ITEM_GAPS = 25;

export interface ItemGapsOptions {
  /** what an item is, plural ("secrets", "versions") */
  noun: string;
  /** the artifact kind where each failed item is marked */
  where: string;
  /** error → code and message (default describeError) */
  describe?: (e: unknown) => { code: string; message: string };
}

export function itemGaps(gap: (g: Gap) => void, o: ItemGapsOptions) {
  const describe = o.describe ?? describeError;
  const named = new Map<string, number>();
  const extra = new Map<string, { n: number; codes: Set<string> }>();
  return {
    /** records the failure of `item` under `api`; returns its code and message */
    add(api: string, item: string, e: unknown): { code: string; message: string } {
      const d = describe(e);
      const k = named.get(api) ?? 0;
      if (k < MAX_ITEM_GAPS) {
        named.set(api, k + 1);
        gap({ api: `${api} ${item}`, ...d });
      } else {
        const x = extra.get(api) ?? { n: 0, codes: new Set<string>() };
        x.n++;
        x.codes.add(d.code);
        extra.set(api, x);
      }
      return d;
    },
    flush(): void {
      for (const [api, x] of extra) gap({ api, code: [...x.codes].join(','), message: `${x.n} more ${o.noun} failed the same way; each is marked with its error in ${o.where}` });
      extra.clear();
    },
  };
}
