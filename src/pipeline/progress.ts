/**
 * What a run tells its user and its log. A progress bar on a terminal (stage, step/total, loss terms,
 * examples/s, ETA); plain lines every `log_every` steps elsewhere (CI logs, files); and a JSONL log
 * of every loss term unweighted and per layer, every evaluation and every checkpoint.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** Force the bar on/off; default: on when stderr is a terminal. */
  bar?: boolean;
  /** Silence everything but the JSONL log. */
  quiet?: boolean;
}

const short = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));

export class RunLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}

export class StageProgress {
  private bar?: cliProgress.SingleBar;
  private lastLine = 0;

  constructor(
    readonly stage: string,
    readonly total: number,
    private readonly opts: ProgressOptions = {},
  ) {
    const useBar = !opts.quiet && (opts.bar ?? Boolean(process.stderr.isTTY));
    if (useBar) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${stage.padEnd(18)} {bar} {value}/{total} | {terms} | {rate} ex/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 20,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { terms: '', rate: '-' });
    }
  }

  /** Reports step `step` (1-based) with its loss terms and throughput. */
  update(step: number, terms: Record<string, number>, examplesPerSecond: number, every: number): void {
    const shown = Object.entries(terms)
      .filter(([k]) => !k.includes('.'))
      .map(([k, v]) => `${k} ${short(v)}`)
      .join(' ');
    if (this.bar) {
      this.bar.update(step, { terms: shown, rate: examplesPerSecond.toFixed(1) });
    } else if (!this.opts.quiet && (step % every === 0 || step === this.total) && step !== this.lastLine) {
      this.lastLine = step;
      process.stderr.write(`${this.stage}: step ${step}/${this.total} ${shown} (${examplesPerSecond.toFixed(1)} ex/s)\n`);
    }
  }

  /** A message that must not be overwritten by the bar. */
  note(message: string): void {
    if (this.opts.quiet) return;
    if (this.bar) {
      process.stderr.write('\n');
    }
    process.stderr.write(`${message}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
