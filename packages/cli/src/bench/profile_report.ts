/**
 * Text of a step profile for `dogo bench --profile`: time per kernel kind, per layer and per layer and
 * kernel, each with its share of the profiled step. Public (exported from @dogo/cli).
 */
import { profileByKind, profileByLayer, profileByLayerAndKind, type ProfileRow, type StepProfile } from '@dogo/core';

const TIMING_NOTE: Record<StepProfile['timing'], string> = {
  wall: 'host clock around each plan step',
  'gpu-timestamps': 'GPU timestamp queries around each dispatch',
  submit: 'each dispatch submitted alone and waited for (no timestamp-query on this adapter)',
};

function table(rows: readonly ProfileRow[], limit: number): string[] {
  const shown = rows.slice(0, limit);
  const width = Math.max(10, ...shown.map((r) => r.name.length));
  const lines = shown.map((r) => `  ${r.name.padEnd(width)}  ${r.ms.toFixed(1).padStart(9)} ms  ${(100 * r.share).toFixed(1).padStart(5)}%  ${String(r.launches).padStart(5)} launches`);
  if (rows.length > limit) {
    const rest = rows.slice(limit);
    const ms = rest.reduce((a, r) => a + r.ms, 0), share = rest.reduce((a, r) => a + r.share, 0);
    lines.push(`  ${`(${rest.length} more)`.padEnd(width)}  ${ms.toFixed(1).padStart(9)} ms  ${(100 * share).toFixed(1).padStart(5)}%`);
  }
  return lines;
}

/** The profile as text: kinds, layers (top `layers`), layer and kernel pairs (top `pairs`). */
export function formatProfile(p: StepProfile, o: { layers?: number; pairs?: number } = {}): string {
  return [
    `profile: ${p.backend}, ${TIMING_NOTE[p.timing]}; ${p.totalMs.toFixed(1)} ms in ${p.steps.length} steps`,
    'by kernel kind:',
    ...table(profileByKind(p), 30),
    'by layer (a gradient counts with its layer):',
    ...table(profileByLayer(p), o.layers ?? 20),
    'by layer and kernel [variant]:',
    ...table(profileByLayerAndKind(p), o.pairs ?? 25),
  ].join('\n');
}
