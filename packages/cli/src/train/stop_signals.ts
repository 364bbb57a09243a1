/**
 * Stopping a run on SIGINT (Ctrl-C), SIGTERM and SIGHUP: the first signal asks the run to save a checkpoint
 * after the current step and exit with 128 + the signal number (130, 143, 129). Handling it also gives every
 * signal back its default action, so a second Ctrl-C ends the process at once, even in the middle of a wasm
 * step that keeps the main thread busy (checkpoints are atomic, so that loses only the unsaved steps).
 *
 * When it takes effect: Node runs signal handlers only when the event loop turns. WebGPU steps await the GPU,
 * so the first signal is seen at once; a wasm step runs synchronously, so the training loop yields to the event
 * loop between steps (train_run.ts) and the first signal is seen when the current step ends.
 */

export const STOP_SIGNALS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** What a training run asks of its stop control. */
export interface StopControl {
  /** Whether a stop was asked for: save a checkpoint and return. */
  requested(): boolean;
  /** Listens for the signals (the training phase). */
  arm(): void;
  /** Gives every signal back its default action (the phase after the last checkpoint: evaluation). */
  disarm(): void;
}

/** A StopControl that never stops (dogo study, benchmarks). */
export const NEVER_STOP: StopControl = { requested: () => false, arm: () => {}, disarm: () => {} };

export class StopSignals implements StopControl {
  /** The first signal received, if any. */
  signal: StopSignal | undefined;
  private armed = false;
  private readonly handlers = new Map<StopSignal, () => void>();

  constructor(private readonly log: (line: string) => void = (l) => console.log(l)) {
    for (const s of Object.keys(STOP_SIGNALS) as StopSignal[]) this.handlers.set(s, () => this.onSignal(s));
  }

  /** The exit code for the signal received: 128 + its number. */
  get exitCode(): number {
    return this.signal ? STOP_SIGNALS[this.signal] : 0;
  }

  requested(): boolean {
    return this.signal !== undefined;
  }

  arm(): void {
    if (this.armed || this.signal) return;
    this.armed = true;
    for (const [s, h] of this.handlers) process.on(s, h);
  }

  disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    for (const [s, h] of this.handlers) process.off(s, h);
  }

  private onSignal(s: StopSignal): void {
    this.signal = s;
    this.disarm();
    const what = s === 'SIGINT' ? 'Ctrl-C' : s;
    this.log(`\n${what}: saving a checkpoint after this step, then exiting with ${STOP_SIGNALS[s]} (Ctrl-C again quits at once; the last checkpoint is kept)`);
  }
}
