/**
 * A one-line progress bar for long commands, drawn on stderr only when stderr is a terminal (so
 * pipes, files and `--json` consumers never see control characters).
 * @module
 */

/** A progress reporter: `update(fraction, label)` and `done()`. */
export interface Progress {
  update(fraction: number, label?: string): void;
  done(): void;
}

const NONE: Progress = { update() {}, done() {} };

/**
 * A bar on `stream` when it is a TTY, else a no-op. Redraws at most every 100 ms.
 *
 * @param stream - normally process.stderr.
 * @param title - text before the bar.
 */
export function progressBar(stream: NodeJS.WriteStream, title: string): Progress {
  if (!stream.isTTY) return NONE;
  const start = Date.now();
  let last = 0;
  let shown = false;
  const draw = (fraction: number, label: string) => {
    const cols = Math.max(40, stream.columns ?? 80);
    const f = Math.min(1, Math.max(0, fraction));
    const elapsed = (Date.now() - start) / 1000;
    const eta = f > 0.02 ? ` ~${Math.max(0, Math.round((elapsed * (1 - f)) / f))}s left` : '';
    const text = ` ${(f * 100).toFixed(0).padStart(3)}% ${label}${eta}`;
    const width = Math.max(10, Math.min(40, cols - title.length - text.length - 4));
    const full = Math.round(f * width);
    stream.write(`\r${title} [${'#'.repeat(full)}${'-'.repeat(width - full)}]${text}\x1b[K`);
    shown = true;
  };
  return {
    update(fraction, label = '') {
      const now = Date.now();
      if (now - last < 100 && fraction < 1) return;
      last = now;
      draw(fraction, label);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
