/**
 * A minimal Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * bounded labels. Our own instead of prom-client: a few dozen lines, no global state, no dependency.
 */
export type Labels = Record<string, string>;

interface Metric {
  render(): string[];
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    this.#name = name;
    this.#help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    const key = JSON.stringify(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  render(): string[] {
    const lines = header(this.#name, this.#help, 'counter');
    if (this.#values.size === 0) lines.push(`${this.#name} 0`);
    for (const { labels, value } of this.#values.values()) lines.push(`${this.#name}${labelText(labels)} ${num(value)}`);
    return lines;
  }
}

/** A gauge read at scrape time, so it can never go stale. */
export class Gauge implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #read: () => number;

  constructor(name: string, help: string, read: () => number) {
    this.#name = name;
    this.#help = help;
    this.#read = read;
  }

  render(): string[] {
    return [...header(this.#name, this.#help, 'gauge'), `${this.#name} ${num(this.#read())}`];
  }
}

export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #buckets: number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, buckets: number[]) {
    this.#name = name;
    this.#help = help;
    this.#buckets = [...buckets].sort((a, b) => a - b);
    this.#counts = this.#buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.#sum += value;
    this.#count++;
    this.#buckets.forEach((b, i) => {
      if (value <= b) this.#counts[i]! += 1;
    });
  }

  render(): string[] {
    const lines = header(this.#name, this.#help, 'histogram');
    for (const [i, b] of this.#buckets.entries()) lines.push(`${this.#name}_bucket${labelText({ le: num(b) })} ${this.#counts[i]}`);
    lines.push(`${this.#name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.#name}_sum ${num(this.#sum)}`, `${this.#name}_count ${this.#count}`);
    return lines;
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  /** The whole exposition, served as `text/plain; version=0.0.4`. */
  render(): string {
    return `${this.#metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
