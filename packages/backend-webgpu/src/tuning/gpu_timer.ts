/**
 * Timing GPU work for tuning and profiles. Where the device has 'timestamp-query' (requested through the
 * adapters' optionalFeatures), each timed compute pass carries timestamp writes at its beginning and end and
 * the difference is GPU time; elsewhere each timed piece of work is submitted alone and waited for
 * (onSubmittedWorkDone) on the host clock, which adds the submit's overhead to every time. Internal.
 */
import type { CopyCommand, PreparedDispatch } from '../kernel_runner.js';

const QUERY_RESOLVE_USAGE = 0x200 | 0x4; // QUERY_RESOLVE | COPY_SRC
const MAP_READ_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const MAP_MODE_READ = 0x1;
/** Passes per query set (two timestamps each; WebGPU allows 4096 queries per set). */
const PASSES_PER_SET = 2048;

/** How a time was taken. */
export type GpuTiming = 'gpu-timestamps' | 'submit';

/** Times dispatches on one device (see the module comment). */
export class GpuTimer {
  readonly method: GpuTiming;

  constructor(readonly device: GPUDevice) {
    this.method = device.features.has('timestamp-query') ? 'gpu-timestamps' : 'submit';
  }

  /** Milliseconds `dispatches` take as one compute pass. */
  async time(dispatches: readonly PreparedDispatch[]): Promise<number> {
    return (await this.timeEach([dispatches]))[0]!;
  }

  /**
   * Milliseconds of each group of commands (a group's dispatches share one compute pass; copies run between
   * passes and count only on the host clock, as 0 with timestamps).
   */
  async timeEach(groups: readonly (readonly (PreparedDispatch | CopyCommand)[])[]): Promise<number[]> {
    if (this.method === 'submit') {
      const out: number[] = [];
      for (const g of groups) {
        const t0 = performance.now();
        this.device.queue.submit([this.encode(g, null).finish()]);
        await this.device.queue.onSubmittedWorkDone();
        out.push(performance.now() - t0);
      }
      return out;
    }
    const out: number[] = [];
    for (let from = 0; from < groups.length; from += PASSES_PER_SET) {
      const chunk = groups.slice(from, from + PASSES_PER_SET);
      const count = 2 * chunk.length;
      const querySet = this.device.createQuerySet({ type: 'timestamp', count });
      const resolve = this.device.createBuffer({ size: count * 8, usage: QUERY_RESOLVE_USAGE });
      const read = this.device.createBuffer({ size: count * 8, usage: MAP_READ_USAGE });
      try {
        const encoder = this.device.createCommandEncoder({ label: 'timed' });
        chunk.forEach((g, k) => this.encode(g, { querySet, index: 2 * k }, encoder));
        encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
        this.device.queue.submit([encoder.finish()]);
        await read.mapAsync(MAP_MODE_READ);
        const stamps = new BigInt64Array(read.getMappedRange().slice(0));
        read.unmap();
        chunk.forEach((g, k) => {
          const hasPass = g.some((c) => !('copy' in c));
          out.push(hasPass ? Math.max(0, Number(stamps[2 * k + 1]! - stamps[2 * k]!) / 1e6) : 0);
        });
      } finally {
        querySet.destroy();
        resolve.destroy();
        read.destroy();
      }
    }
    return out;
  }

  /** Records one group: its dispatches in one pass (timestamps at `stamps.index` and the next), then its copies. */
  private encode(group: readonly (PreparedDispatch | CopyCommand)[], stamps: { querySet: GPUQuerySet; index: number } | null,
    encoder: GPUCommandEncoder = this.device.createCommandEncoder({ label: 'timed' })): GPUCommandEncoder {
    const copies = group.filter((c): c is CopyCommand => 'copy' in c);
    const dispatches = group.filter((c): c is PreparedDispatch => !('copy' in c));
    if (dispatches.length > 0) {
      const pass = encoder.beginComputePass(stamps
        ? { label: 'timed', timestampWrites: { querySet: stamps.querySet, beginningOfPassWriteIndex: stamps.index, endOfPassWriteIndex: stamps.index + 1 } }
        : { label: 'timed' });
      for (const d of dispatches) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.dispatch[0], d.dispatch[1], d.dispatch[2]);
      }
      pass.end();
    }
    for (const { copy: c } of copies) encoder.copyBufferToBuffer(c.from, c.fromOffset ?? 0, c.to, c.toOffset ?? 0, c.size);
    return encoder;
  }
}
