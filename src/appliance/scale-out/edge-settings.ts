/** How the VM edge balances over its engines (the local stack and the bench choose their own). */
import { ENGINE_PARALLEL } from '../layout.ts';
import type { EngineUpstreamInput } from './engine-upstream.ts';

export const EDGE_ROUTING: Omit<EngineUpstreamInput, 'nodes'> = {
  routing: 'conversation',
  // Its slots plus one waiting: beyond that a conversation spills to the next engine on the ring.
  maxConnsPerEngine: ENGINE_PARALLEL + 1,
  failTimeoutSeconds: 10,
};
