/**
 * Progress output: a one-line bar with step rate, images/s, ETA and current losses on a terminal; plain
 * lines (every few seconds) when stdout is not a TTY, so logs stay readable.
 */
export interface ProgressState {
  step: number;
  total: number;
  imagesPerSecond: number;
  stepsPerSecond: number;
  losses: Record<string, number>;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private lastPlain = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stdout, private readonly plainEveryMs = 5000) {}

  update(p: ProgressState): void {
    const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('  ');
    const eta = formatEta((p.total - p.step) / Math.max(p.stepsPerSecond, 1e-9));
    const rate = `${p.stepsPerSecond.toFixed(2)} step/s ${p.imagesPerSecond.toFixed(1)} img/s`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((width * p.step) / Math.max(p.total, 1));
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.step}/${p.total} ${rate} ETA ${eta}  ${losses}`;
      this.out.write(`\r${line.slice(0, (this.out.columns ?? 160) - 1)}\x1b[K`);
    } else {
      const now = Date.now();
      if (now - this.lastPlain < this.plainEveryMs && p.step !== p.total) return;
      this.lastPlain = now;
      this.out.write(`step ${p.step}/${p.total} ${rate} ETA ${eta} ${losses}\n`);
    }
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    if (this.out.isTTY) this.out.write(`\r\x1b[K${line}\n`);
    else this.out.write(`${line}\n`);
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
