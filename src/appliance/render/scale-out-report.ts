/**
 * The report's [Scale-out] section: the role of this VM and, on the edge, its view of the engines
 * (address, state, since when, last change, last error); on an engine, where it listens and what it
 * last published through OneGate. Never the internal credential.
 */
import type { ScaleOutReport } from '../report/report-data.ts';

export function renderScaleOutSection(s: ScaleOutReport): string[] {
  const lines = ['[Scale-out]', `role = ${s.role}`];
  if (s.role === 'edge') {
    const view = s.view;
    lines.push('; engines of the OneFlow service, read from OneGate every few seconds; routed = in the nginx upstream');
    if (view === undefined) lines.push('engines = (no discovery pass yet)');
    else {
      lines.push(`engines_routed = ${view.engines.filter((e) => e.state === 'routed').length} of ${view.engines.length}`);
      for (const e of view.engines) lines.push(`engine.${e.vmId} = ${e.address ?? '-'} ${e.state} since ${e.since} (${e.name})`);
      lines.push(`last_change = ${view.lastChange ?? 'none yet'}`);
      if (view.lastError !== undefined) lines.push(`last_error = ${view.lastError.replaceAll('\n', ' ')}`);
      lines.push(`reloads = ${view.reloads}`);
    }
  } else if (s.role === 'engine') {
    lines.push(
      `listen = ${s.listen}`,
      'access = the internal credential the edge presents only (the public API key is refused); private network only',
    );
    const p = s.publication;
    if (p === undefined) lines.push('onegate = (nothing published yet)');
    else {
      lines.push(`onegate_published = ${p.publishedAt}: READY=${p.ready ? 'YES' : 'NO'} address ${p.address}`);
      if (p.error !== undefined) lines.push(`onegate_error = ${p.error.replaceAll('\n', ' ')}`);
    }
    lines.push('; queue depth and busy slots are published every few seconds (ONEAPP_COPILOT_ENGINE_QUEUE, _BUSY) for elasticity');
  }
  return lines;
}
