/**
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * written in the text exposition format 0.0.4. No dependency: the format is
 * simple and a node needs a few dozen series.
 */

export type Labels = Record<string, string>;

interface Metric {
  readonly name: string;
  render(): string[];
}

/** The `Content-Type` of the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: (() => void)[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  /** A counter whose values are copied from elsewhere at each collection (set, not inc). */
  counterFrom(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help, "counter"));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  /** Runs before each rendering, to set gauges from live state. */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  render(): string {
    for (const collect of this.collectors) collect();
    return `${this.metrics.flatMap((metric) => metric.render()).join("\n")}\n`;
  }

  private add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }
}

abstract class Series implements Metric {
  protected readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: string,
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${num(value)}`);
    return lines;
  }
}

export class Counter extends Series {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
}

export class Gauge extends Series {
  constructor(name: string, help: string, type: "gauge" | "counter" = "gauge") {
    super(name, help, type);
  }

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), value);
  }

  /** Drops every series (before setting the current ones from live state). */
  reset(): void {
    this.values.clear();
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) entry.counts[i]!++;
    }
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, entry] of this.series) {
      const base = key === "" ? "" : key.slice(1, -1);
      const le = (bound: string) => `{${base ? `${base},` : ""}le="${bound}"}`;
      this.buckets.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${le(num(bound))} ${entry.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${le("+Inf")} ${entry.count}`);
      lines.push(`${this.name}_sum${key} ${num(entry.sum)}`);
      lines.push(`${this.name}_count${key} ${entry.count}`);
    }
    return lines;
  }
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((key) => `${key}="${escapeLabel(labels[key]!)}"`).join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function num(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
