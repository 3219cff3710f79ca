// Stable OSCAL identifiers. UUIDs of things that are the same from one report to the next (the
// catalog, the tool, a subject, the risk of one exception) are name-based (RFC 4122 version 5, SHA-1)
// so that an auditor comparing two reports sees the same subject or risk under the same UUID.
import { createHash } from 'node:crypto';

/** the namespace of every name-based UUID this tool writes (a fixed random v4 UUID) */
const NAMESPACE = 'c7e1f2a4-5b6d-4e8f-9a0b-1c2d3e4f5a6b';

export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** a criterion id as an OSCAL control id (CC6.1 → cc6.1) */
export const oscalControlId = (id: string): string => id.toLowerCase();
