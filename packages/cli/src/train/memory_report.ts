/** The planned memory of a trainer's executables, as `dogo train` and `dogo bench` print it. */
import type { CompiledExecutable } from '@dogo/ssl';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** One line per backend: each executable's planned peak of intermediates and its total with the leaves it owns. */
export function memoryLines(executables: readonly CompiledExecutable[]): string[] {
  const byBackend = new Map<unknown, CompiledExecutable[]>();
  for (const e of executables) (byBackend.get(e.planned.backend) ?? byBackend.set(e.planned.backend, []).get(e.planned.backend)!).push(e);
  return [...byBackend.values()].map((list, k) => {
    const total = list.reduce((a, e) => a + e.planned.bytes, 0);
    const parts = list.map((e) => `${e.planned.name} ${mib(e.planned.plan.peakBytes)}${e.planned.plan.recompute ? ` (recomputing ${e.planned.plan.recompute.segments} blocks; ${mib(e.planned.plan.recompute.peakBytesWithout)} without)` : ''}`);
    const where = byBackend.size > 1 ? `${list[0]!.planned.backend.name} #${k + 1}` : list[0]!.planned.backend.name;
    return `memory on ${where}: ${mib(total)} planned (peak of intermediates: ${parts.join(', ')}; the rest is parameters, optimiser state and inputs)`;
  });
}
