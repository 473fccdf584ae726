// Progress lines: every line of the pipeline goes through a Log, so a stage's lines carry its name
// and tests can collect exactly what a user would read.

export type LineSink = (line: string) => void;

export const stdoutSink: LineSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export class Log {
  constructor(
    private readonly sink: LineSink = stdoutSink,
    private readonly prefix = '',
  ) {}

  /** One line, with this log's prefix (`[deploy] ...`). Multi-line text keeps the prefix on each. */
  line(text: string): void {
    for (const part of text.split('\n')) this.sink(`${this.prefix}${part}`);
  }

  /** A log whose lines start with `[name] `, nested under this one's prefix. */
  child(name: string): Log {
    return new Log(this.sink, `${this.prefix}[${name}] `);
  }
}

/** A sink that keeps lines in memory (tests, and the summary of a captured command). */
export function memorySink(): { sink: LineSink; lines: string[] } {
  const lines: string[] = [];
  return { sink: (line) => lines.push(line), lines };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)
    .toString()
    .padStart(2, '0')}s`;
}

/** A plain text table: columns padded to the widest cell, like kubectl's output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('   ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}
