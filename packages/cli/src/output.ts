/** Printing: tables and lines for people, JSON for machines, and progress bars on a terminal. */
import { PicstackError } from "@picstack/sdk";

/** A failure the CLI reports in one line; `exitCode` 2 means the command was used wrongly. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** An error as the JSON output and the one-line messages show it: the API's code, or `error`. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof PicstackError) return { code: error.code, message: error.message };
  return { code: "error", message: (error as Error).message ?? String(error) };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export interface ProgressLine {
  label: string;
  /** 0..1, or undefined when there is nothing to measure. */
  fraction?: number;
  status: string;
}

/**
 * One line per file. On a terminal the block is redrawn in place (at most 10 times a second);
 * elsewhere (CI logs) each change of status is printed once, so logs stay readable.
 */
export class ProgressBoard {
  private readonly lines: ProgressLine[] = [];
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly lastStatus = new Map<number, string>();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly interactive = Boolean(process.stderr.isTTY) && !process.env.CI,
  ) {}

  add(label: string): number {
    this.lines.push({ label, status: "queued" });
    return this.lines.length - 1;
  }

  update(index: number, change: Partial<ProgressLine>): void {
    const line = this.lines[index];
    if (!line) return;
    Object.assign(line, change);
    if (this.interactive) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.draw();
      }, 100);
    } else if (this.lastStatus.get(index) !== line.status) {
      this.lastStatus.set(index, line.status);
      this.stream.write(`${line.label}: ${line.status}\n`);
    }
  }

  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.interactive) this.draw();
  }

  private draw(): void {
    const width = Math.max(...this.lines.map((l) => l.label.length), 8);
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    for (const line of this.lines) {
      const fraction = Math.min(1, Math.max(0, line.fraction ?? 0));
      const filled = Math.round(fraction * 24);
      const bar = `[${"#".repeat(filled)}${"-".repeat(24 - filled)}]`;
      const percent = `${Math.round(fraction * 100)}%`.padStart(4);
      out += `\x1b[2K${line.label.padEnd(width)}  ${bar} ${percent}  ${line.status}\n`;
    }
    this.drawn = this.lines.length;
    this.stream.write(out);
  }
}
