/**
 * A one-line progress bar on a terminal's stderr. Self-written rather than a dependency: it is forty lines,
 * it only needs a fraction and a label, and a long-running CLI is better off without another package's
 * terminal handling (or its transitive dependencies) to audit. Draws at most ten times a second; does nothing
 * when the stream is not a TTY, so redirected output and CI logs stay clean.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 100,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** `fraction` 0–1 (null when the total is unknown); `label` follows the bar. */
  update(fraction: number | null, label: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const columns = this.stream.columns || 80;
    const width = Math.max(10, Math.min(40, columns - label.length - 10));
    let line: string;
    if (fraction === null) {
      line = label;
    } else {
      const f = Math.min(1, Math.max(0, fraction));
      const filled = Math.round(f * width);
      line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${label}`;
    }
    // \r + erase-line, and never wider than the terminal (a wrapped line cannot be redrawn in place).
    this.stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.drawn = true;
  }

  /** Removes the bar, leaving the cursor at the start of an empty line. */
  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
