/**
 * The reference backend: runs a Plan with each op's reference kernel, in float64. It is the oracle every
 * other backend is held to, not a fast path. It also checks the memory plan as it goes: reading a value
 * whose slot was handed to another value is an error, so any liveness bug in the planner shows up here.
 */
import type { Backend, CompileSpec, Executable, Feed, HostTensor, MemoryBudget, RunOptions } from '../backend/backend.js';
import { checkFeed, checkFeedNames } from '../backend/feeds.js';
import { sharedStateOwner } from '../backend/shared_state.js';
import { BackendError, FeedError } from '../errors.js';
import { getOp } from '../ops/registry.js';
import type { RefArray } from '../ops/op_def.js';
import type { TypedData } from '../dtype.js';
import { createPlan, type Plan, type PlanOptions, type PlanSpec, type PlanValue } from '../passes/plan.js';

function toRef(v: PlanValue, data: TypedData): RefArray {
  return v.dtype === 'int32' ? Int32Array.from(data) : Float64Array.from(data);
}

/** A state's current array; executables sharing the state hold the same box. */
interface StateBox { data: RefArray }

class ReferenceExecutable implements Executable {
  readonly backend = 'reference';
  /** State name -> its box (its own, or one of an executable it shares state with). */
  private readonly state = new Map<string, StateBox>();
  private destroyed = false;

  constructor(readonly plan: Plan, spec: CompileSpec) {
    const initial = spec.initialState ?? {};
    for (const [name, idx] of plan.states) {
      const v = plan.values[idx]!;
      const owner = sharedStateOwner(spec, v, (e): e is ReferenceExecutable => e instanceof ReferenceExecutable, 'reference');
      if (owner) { this.state.set(name, owner.state.get(name)!); continue; }
      const init = initial[name];
      this.state.set(name, { data: init === undefined ? (v.dtype === 'int32' ? new Int32Array(v.size) : new Float64Array(v.size)) : toRef(v, checkFeed('initial state', v, init)) });
    }
    for (const name of Object.keys(initial)) {
      if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
    }
  }

  async run(feeds: Readonly<Record<string, Feed>>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
    if (this.destroyed) throw new BackendError('reference: run() after destroy()');
    checkFeedNames(feeds, this.plan.inputs);
    const { values } = this.plan;
    const data: RefArray[] = new Array(values.length);
    const { storage, slot } = this.plan;
    const slotOwner: number[] = new Array(this.plan.slotBytes.length).fill(-1);
    // A value is readable while its storage owner still holds its slot (views share their source's).
    const read = (i: number): RefArray => {
      const owner = storage[i]!;
      const s = slot[owner]!;
      if (s >= 0 && slotOwner[s] !== owner) {
        throw new BackendError(`reference: memory plan error: value #${i} (${values[i]!.node}) was overwritten in slot ${s} by value #${slotOwner[s]}`);
      }
      return data[i]!;
    };
    for (const v of values) {
      switch (v.kind) {
        case 'input':
          data[v.index] = toRef(v, checkFeed('feed', v, feeds[v.name!]));
          break;
        case 'state':
          data[v.index] = this.state.get(v.name!)!.data;
          break;
        default: {
          const def = getOp(v.op);
          if (!def.reference) throw new BackendError(`reference: op "${v.op}" has no reference kernel`);
          const ins = v.inputs.map(read);
          data[v.index] = def.reference(ins, {
            attrs: v.attrs,
            inputTypes: v.inputs.map((i) => values[i]!),
            out: v,
          });
          if (slot[v.index]! >= 0) slotOwner[slot[v.index]!] = v.index;
        }
      }
    }
    const names = options.fetch ?? [...this.plan.outputs.keys()];
    const out: Record<string, HostTensor> = {};
    for (const name of names) {
      const i = this.plan.outputs.get(name);
      if (i === undefined) throw new FeedError(`fetch "${name}" names no output; outputs are: ${[...this.plan.outputs.keys()].join(', ')}`);
      const v = values[i]!;
      out[name] = { shape: v.shape, dtype: v.dtype, data: read(i).slice() };
    }
    // Updates apply after every fetch is read, so a fetch of a state sees the value the step started with.
    const next = [...this.plan.updates].map(([name, i]) => [name, read(i).slice()] as const);
    for (const [name, arr] of next) this.state.get(name)!.data = arr;
    return out;
  }

  async readState(name: string): Promise<HostTensor> {
    if (this.destroyed) throw new BackendError('reference: readState() after destroy()');
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    const v = this.plan.values[idx]!;
    return { shape: v.shape, dtype: v.dtype, data: this.state.get(name)!.data.slice() };
  }

  async writeState(name: string, value: Feed): Promise<void> {
    if (this.destroyed) throw new BackendError('reference: writeState() after destroy()');
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    const v = this.plan.values[idx]!;
    this.state.get(name)!.data = toRef(v, checkFeed('state', v, value));
  }

  destroy(): void {
    this.destroyed = true;
    this.state.clear();
  }
}

/**
 * The reference backend. Its plan fuses nothing (one step per value), so the memory plan it checks is the
 * planner's own.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';

  plan(spec: PlanSpec & { planOptions?: PlanOptions }): Plan {
    return createPlan(spec, { ...spec.planOptions, fusion: { fuse: false } });
  }

  async compile(spec: CompileSpec): Promise<Executable> {
    return new ReferenceExecutable(spec.plan ?? this.plan(spec), spec);
  }

  /** No limit of its own: float64 arrays on the JavaScript heap. */
  memoryBudget(): MemoryBudget {
    return { bytes: Infinity, maxBufferBytes: Infinity, source: 'the reference backend sets no memory limit' };
  }
}
