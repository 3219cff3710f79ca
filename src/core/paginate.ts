import { RepeatedTokenError } from './errors.js';
import type { OperationRecord, Paginator } from './types.js';

export const paginator: Paginator = {
  async all(op, fetchPage, onPage) {
    const seen = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const { page, next } = await fetchPage(token);
      pages++;
      await onPage(page);
      if (next === undefined || next === null || next === '') break;
      if (seen.has(next)) throw new RepeatedTokenError(op.api, next);
      seen.add(next);
      token = next;
    }
    const rec: OperationRecord = { api: op.api, params: op.params, pages };
    return rec;
  },
};
