/** Types for the untyped npm package `parse-prometheus-text-format` (only what perfwarden reads). */
declare module 'parse-prometheus-text-format' {
  /** One sample of a family: counters, gauges and untyped series carry `value`; histograms and summaries carry the rest. */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** A metric family. */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: string;
    metrics: ParsedSample[];
  }
  /** Parses Prometheus text exposition. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
