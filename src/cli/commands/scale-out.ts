/** `slm-copilot scale-out`: one scale-out pass of this VM's role (run by slm-copilot-scale-out.timer). */
import { runScaleOutPass } from '../../appliance/scale-out/scale-out-pass.ts';
import { systemApplianceEnv } from '../../appliance/stage/system-env.ts';
import { defineCommand } from '../command.ts';

export const scaleOutCommand = defineCommand('scale-out', {
  summary: 'OneFlow service VMs: one discovery pass (edge) or one OneGate publication (engine).',
  description: `Run every few seconds by slm-copilot-scale-out.timer on edge and engine VMs
(ONEAPP_COPILOT_SERVICE_ROLE). Edge: reads the service's engines from OneGate, renders the nginx upstream,
and only when it changed runs nginx -t and reloads; keeps its view for the report and /metrics/edge.
Engine: publishes its private address, readiness, queue depth and busy slots through OneGate (never a
key). On a standalone VM it does nothing.`,
  options: {},
  async run(_values, { env }) {
    const applianceEnv = await systemApplianceEnv({ env });
    const result = await runScaleOutPass(applianceEnv);
    if (result.role === 'edge') {
      const routed = result.view.engines.filter((e) => e.state === 'routed').length;
      process.stdout.write(`edge: ${routed}/${result.view.engines.length} engine(s) routed${result.changed ? ', nginx reloaded' : ''}\n`);
      if (result.view.lastError !== undefined) process.stderr.write(`edge: ${result.view.lastError}\n`);
    } else if (result.role === 'engine') {
      const p = result.publication;
      if (p.error !== undefined) {
        process.stderr.write(`engine: could not publish to OneGate: ${p.error}\n`);
        return 1;
      }
      process.stdout.write(
        `engine: published ${p.address} READY=${p.ready ? 'YES' : 'NO'} queue=${p.queue ?? '?'} busy=${p.busy ?? '?'}\n`,
      );
    }
    return 0;
  },
});
