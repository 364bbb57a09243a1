/**
 * The reference backend: runs a Plan with each op's reference kernel, in float64. It is the oracle every
 * other backend is held to, not a fast path. It also checks the memory plan as it goes: reading a value
 * whose slot was handed to another value is an error, so any liveness bug in the planner shows up here.
 */
import type { Backend, CompileSpec, Executable, Feed, HostTensor, RunOptions } from '../backend/backend.js';
import { checkFeed, checkFeedNames } from '../backend/feeds.js';
import { foreignExecutableError, sharedStateNames } from '../backend/shared_state.js';
import { BackendError, FeedError } from '../errors.js';
import { getOp } from '../ops/registry.js';
import type { RefArray } from '../ops/op_def.js';
import type { TypedData } from '../dtype.js';
import { createPlan, type Plan, type PlanValue } from '../passes/plan.js';

function toRef(v: PlanValue, data: TypedData): RefArray {
  return v.dtype === 'int32' ? Int32Array.from(data) : Float64Array.from(data);
}

/** A state's value; executables that share a state hold the same cell. */
interface StateCell {
  data: RefArray;
}

class ReferenceExecutable implements Executable {
  readonly backend = 'reference';
  /** State name -> its cell (the cells of shared states belong to every executable sharing them). */
  readonly cells = new Map<string, StateCell>();
  private readonly state = {
    get: (name: string): RefArray => this.cells.get(name)!.data,
    set: (name: string, data: RefArray): void => {
      this.cells.get(name)!.data = data;
    },
  };
  private destroyed = false;

  /** Whether destroy() was called. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  constructor(readonly plan: Plan, initial: Readonly<Record<string, Feed>>, source?: ReferenceExecutable) {
    for (const name of Object.keys(initial)) {
      if (!plan.states.has(name)) throw new FeedError(`initial state "${name}" names no state this step reads or updates`);
    }
    const shared = new Set(source ? sharedStateNames(plan, source.plan, initial) : []);
    for (const [name, idx] of plan.states) {
      if (shared.has(name)) {
        this.cells.set(name, source!.cells.get(name)!);
        continue;
      }
      const v = plan.values[idx]!;
      const init = initial[name];
      this.cells.set(name, { data: init === undefined ? (v.dtype === 'int32' ? new Int32Array(v.size) : new Float64Array(v.size)) : toRef(v, checkFeed('initial state', v, init)) });
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
          data[v.index] = this.state.get(v.name!)!;
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
    for (const [name, arr] of next) this.state.set(name, arr);
    return out;
  }

  async readState(name: string): Promise<HostTensor> {
    if (this.destroyed) throw new BackendError('reference: readState() after destroy()');
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    const v = this.plan.values[idx]!;
    return { shape: v.shape, dtype: v.dtype, data: this.state.get(name)!.slice() };
  }

  async writeState(name: string, value: Feed): Promise<void> {
    if (this.destroyed) throw new BackendError('reference: writeState() after destroy()');
    const idx = this.plan.states.get(name);
    if (idx === undefined) throw new FeedError(`state "${name}" is not part of this step`);
    const v = this.plan.values[idx]!;
    this.state.set(name, toRef(v, checkFeed('state', v, value)));
  }

  destroy(): void {
    // Cells are garbage-collected once no executable sharing them is left.
    this.destroyed = true;
    this.cells.clear();
  }
}

/**
 * The reference backend. Its plan fuses nothing (one step per value), so the memory plan it checks is the
 * planner's own.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';

  async compile(spec: CompileSpec): Promise<Executable> {
    const source = spec.shareStateWith;
    if (source !== undefined && !(source instanceof ReferenceExecutable)) throw foreignExecutableError('reference', 'the reference backend');
    if (source?.isDestroyed) throw new BackendError('reference: shareStateWith names a destroyed executable');
    const plan = createPlan(spec, { ...spec.planOptions, fusion: { fuse: false } });
    return new ReferenceExecutable(plan, spec.initialState ?? {}, source);
  }
}
