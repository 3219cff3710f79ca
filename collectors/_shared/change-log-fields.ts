// The population fields every change log (promotions, access changes) states the same way: the window
// between the two collections the change was seen in, and its actor when an audit log named one.
import type { PopulationDecl } from '../../src/core/types.js';

export const CHANGE_WINDOW_AND_ACTOR: PopulationDecl['fields'] = {
  windowFrom: { from: 'windowFrom', type: 'string', orLog: 'window.from' },
  windowTo: { from: 'windowTo', type: 'string', orLog: 'window.to' },
  actor: { from: 'actor.user', type: 'string?' },
  actorSource: { from: 'actor.source', type: 'string?' },
};
