/**
 * What client commands print: a table (or key/value lines) on a terminal, JSON with `--json` (or the
 * configured `output-format`), tab-separated rows when piped with `plain`. Status lines go to stderr, so
 * stdout stays the data a script reads.
 */
import type { OutputFormat } from "./config-file.js";

export type Row = Record<string, unknown>;
export interface Column { key: string; header: string }

export class Output {
  constructor(readonly format: OutputFormat, private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr) {}

  get json(): boolean { return this.format === "json"; }

  /** Data: JSON as is, or the rows as a table (`plain`: tab-separated, no header). */
  list(data: unknown, rows: Row[], columns: Column[]): void {
    if (this.json) return this.printJson(data);
    if (this.format === "plain") {
      for (const row of rows) this.out.write(`${columns.map((c) => cell(row[c.key])).join("\t")}\n`);
      return;
    }
    if (rows.length === 0) return this.info("nothing to show");
    const widths = columns.map((c) => Math.max(c.header.length, ...rows.map((row) => cell(row[c.key]).length)));
    const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
    this.out.write(`${line(columns.map((c) => c.header.toUpperCase()))}\n`);
    for (const row of rows) this.out.write(`${line(columns.map((c) => cell(row[c.key])))}\n`);
  }

  /** One object: JSON, or `key: value` lines. */
  record(data: unknown, fields: [string, unknown][]): void {
    if (this.json) return this.printJson(data);
    const width = Math.max(...fields.map(([label]) => label.length));
    for (const [label, value] of fields) {
      if (value !== undefined && value !== null && value !== "") this.out.write(`${`${label}:`.padEnd(width + 2)}${cell(value)}\n`);
    }
  }

  printJson(data: unknown): void {
    this.out.write(`${JSON.stringify(data, null, 2)}\n`);
  }

  /** A bare value on stdout (`--quiet`). */
  raw(value: string): void {
    this.out.write(value.endsWith("\n") ? value : `${value}\n`);
  }

  /** A progress line on stderr: rewritten in place on a terminal, one line per update otherwise. */
  progress(message: string): void {
    if (this.progressInPlace) this.err.write(`\r\x1b[2K${message}`);
    else this.err.write(`${message}\n`);
    this.progressOpen = this.progressInPlace;
  }

  /** Ends an in-place progress line. */
  progressDone(): void {
    if (this.progressOpen) this.err.write("\n");
    this.progressOpen = false;
  }

  private progressOpen = false;
  private get progressInPlace(): boolean { return (this.err as NodeJS.WriteStream).isTTY === true; }

  success(message: string): void { this.err.write(`✓ ${message}\n`); }
  info(message: string): void { this.err.write(`${message}\n`); }
  warn(message: string): void { this.err.write(`⚠ ${message}\n`); }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
