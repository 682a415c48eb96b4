import { describe, expect, it } from 'vitest';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { startSimulator } from '../../src/testing/index.js';

/**
 * The four providers always report a result on `succeeded`, so their adapters set `resultRequired`:
 * the poller then rejects a `succeeded` status without one, and the `result` that `waitForTask`
 * types as present is there at run time too.
 */
describe('the provider adapters declare resultRequired', () => {
  it('guance, edge, dgc and workflow', async () => {
    const sim = await startSimulator({ seed: 1 });
    try {
      const adapters = [
        guanceLogmine({ apiKey: sim.guance.apiKey, baseURL: sim.guance.baseURL }),
        edgeLogDump({ baseURL: sim.edge.baseURL }),
        dgcSystemTasks({ projectId: sim.dgc.projectId, endpoint: sim.dgc.endpoint, auth: { token: sim.dgc.token } }),
        workflowTasks({ baseURL: sim.workflow.baseURL, token: sim.workflow.token }),
      ];
      for (const adapter of adapters) {
        expect(adapter.resultRequired).toBe(true);
        adapter.close();
      }
    } finally {
      await sim.close();
    }
  });
});
