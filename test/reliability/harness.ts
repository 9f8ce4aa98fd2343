/** A small check runner: named checks in categories, a table per category, and a last summary line. */

export interface CheckResult {
  category: string;
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export class Report {
  readonly results: CheckResult[] = [];
  /** Figures a category measured (throughput, latencies), printed under its table. */
  readonly figures = new Map<string, Record<string, string | number>>();

  constructor(private readonly log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  /** Runs one check; a thrown error fails it with the error's message. The returned string is its detail. */
  async check(category: string, name: string, run: () => Promise<string | undefined>): Promise<boolean> {
    const started = performance.now();
    let ok = true;
    let detail = "";
    try {
      detail = (await run()) ?? "";
    } catch (error) {
      ok = false;
      detail = (error as Error).message ?? String(error);
    }
    const ms = Math.round(performance.now() - started);
    this.results.push({ category, name, ok, detail: detail.replace(/\s+/g, " ").slice(0, 300), ms });
    if (!ok) this.log(`  FAIL ${category} / ${name}: ${detail}`);
    return ok;
  }

  figure(category: string, values: Record<string, string | number>): void {
    this.figures.set(category, { ...this.figures.get(category), ...values });
  }

  /** Markdown tables, grouped by category; long categories list their failures and a count. */
  render(): string {
    const lines: string[] = [];
    const categories = [...new Set(this.results.map((r) => r.category))];
    for (const category of categories) {
      const rows = this.results.filter((r) => r.category === category);
      const passed = rows.filter((r) => r.ok).length;
      lines.push(
        "",
        `### ${category}: ${passed}/${rows.length} passed`,
        "",
        "| check | result | detail |",
        "| --- | --- | --- |",
      );
      const shown = rows.length > 40 ? rows.filter((r) => !r.ok) : rows;
      for (const r of shown)
        lines.push(`| ${escapeCell(r.name)} | ${r.ok ? "pass" : "**FAIL**"} | ${escapeCell(r.detail)} |`);
      if (rows.length > 40) lines.push(`| …and ${passed} more | pass | (listed with --verbose) |`);
      const figures = this.figures.get(category);
      if (figures) {
        lines.push("", "| figure | value |", "| --- | --- |");
        for (const [k, v] of Object.entries(figures)) lines.push(`| ${k} | ${v} |`);
      }
    }
    const passed = this.results.filter((r) => r.ok).length;
    lines.push("", `${passed} passed, ${this.results.length - passed} failed`);
    return lines.join("\n");
  }

  renderAll(): string {
    return this.results
      .map((r) => `${r.ok ? "pass" : "FAIL"}  ${r.category} / ${r.name}  ${r.detail}`)
      .join("\n");
  }
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
