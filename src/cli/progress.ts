// A one-line terminal progress bar (redrawn in place on a TTY, plain lines otherwise).
export class ProgressBar {
  private last = 0;
  private readonly start = Date.now();
  constructor(private readonly total: number, private readonly label: string, private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(done: number, status = ''): void {
    const now = Date.now();
    const final = done >= this.total;
    if (!final && now - this.last < 100) return;
    this.last = now;
    const width = 28;
    const filled = Math.round((width * done) / this.total);
    const secs = ((now - this.start) / 1000).toFixed(1);
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${secs}s ${status}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line.slice(0, (this.out.columns ?? 120) - 1).padEnd(Math.min(this.out.columns ?? 120, 120) - 1)}`);
      if (final) this.out.write('\n');
    } else if (final || done % Math.max(1, Math.floor(this.total / 10)) === 0) {
      this.out.write(`${line}\n`);
    }
  }
}
