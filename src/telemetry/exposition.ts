/**
 * `/metrics` in the format the scraper asks for: OpenMetrics (with exemplars carrying trace ids)
 * when its `Accept` prefers `application/openmetrics-text`, the classic Prometheus text format
 * otherwise. Exemplars only exist in OpenMetrics, so this is what lets Grafana jump from a latency
 * spike to the trace.
 *
 * Why not a second prom-client Registry holding the same metrics: prom-client fixes the format
 * per Registry, and an OpenMetrics Registry *renames* counters in place (strips `_total` from the
 * metric object) on every render, which would corrupt the plain-text output of the shared
 * objects. So the daemon keeps one Prometheus-format Registry, and each OpenMetrics scrape renders
 * through a throwaway OpenMetrics Registry of thin per-metric views that never touch the originals.
 * (A source registry's `setDefaultLabels` is not carried into the OpenMetrics view; perfwarden
 * does not use default labels.)
 */
import { Histogram, Registry } from 'prom-client';
import type { HistogramConfiguration, Metric, RegistryContentType } from 'prom-client';

/** The two exposition formats. */
export type ExpositionFormat = 'openmetrics' | 'prometheus';

/** Content types as prom-client writes them. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
};

/** A rendered scrape, as bytes: a few megabytes are sent as they are, never re-encoded from a string. */
export interface Exposition {
  format: ExpositionFormat;
  contentType: string;
  body: Buffer;
}

/** A rendered scrape as the parts it was cached in, for a server that writes them without joining them. */
export interface ExpositionParts {
  format: ExpositionFormat;
  contentType: string;
  parts: Buffer[];
}

/**
 * Metric families rendered by their owner as text (the probe metrics, which cache the text of
 * each probe's series), served after the registry's in the same scrape.
 */
export interface TextFamilies {
  /**
   * Complete families (HELP, TYPE, samples) in `format` as UTF-8 parts, without OpenMetrics'
   * `# EOF`. Asynchronous so a large render can yield to the event loop between slices.
   */
  render(format: ExpositionFormat): Promise<Buffer[]>;
}

/**
 * Picks the format from an `Accept` header by q-value: OpenMetrics when it is acceptable and
 * weighted at least as high as `text/plain`; Prometheus text for anything else (including none).
 */
export function negotiateExposition(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.trim() === '') return 'prometheus';
  let om = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}

/**
 * Renders `registry` (a Prometheus-format registry, as the daemon's is) and then `families` for a
 * scraper whose `Accept` header is `accept`, as one buffer.
 */
export async function renderMetrics(registry: Registry<RegistryContentType>, accept: string | undefined, families: readonly TextFamilies[] = []): Promise<Exposition> {
  const { format, contentType, parts } = await renderMetricParts(registry, accept, families);
  return { format, contentType, body: Buffer.concat(parts) };
}

/**
 * `renderMetrics` without the final copy: the parts in order (a thousand probes make ~9,000 of
 * them; joining 4 MB costs milliseconds the server need not spend, it streams them).
 */
export async function renderMetricParts(registry: Registry<RegistryContentType>, accept: string | undefined, families: readonly TextFamilies[] = []): Promise<ExpositionParts> {
  const format = negotiateExposition(accept);
  const fromRegistry = await renderRegistry(registry, format);
  if (families.length === 0) return { format, contentType: CONTENT_TYPES[format], parts: [Buffer.from(fromRegistry)] };
  const parts: Buffer[] = [];
  if (format === 'openmetrics') {
    parts.push(Buffer.from(fromRegistry.replace(/# EOF\n?$/, '')));
    for (const f of families) parts.push(...(await f.render(format)));
    parts.push(Buffer.from('# EOF\n'));
  } else {
    // Families are separated by a blank line in the Prometheus text format, as prom-client writes them.
    parts.push(Buffer.from(fromRegistry === '' || fromRegistry.endsWith('\n\n') ? fromRegistry : `${fromRegistry}\n`));
    for (const [i, f] of families.entries()) parts.push(...(i === 0 ? [] : [Buffer.from('\n')]), ...(await f.render(format)));
  }
  return { format, contentType: CONTENT_TYPES[format], parts };
}

async function renderRegistry(registry: Registry<RegistryContentType>, format: ExpositionFormat): Promise<string> {
  if (format === 'prometheus' && registry.contentType === Registry.PROMETHEUS_CONTENT_TYPE) return registry.metrics();
  const view = new Registry<RegistryContentType>();
  view.setContentType(CONTENT_TYPES[format] as RegistryContentType);
  for (const metric of registry.getMetricsAsArray() as unknown as MetricLike[]) {
    view.registerMetric(metricView(metric, format) as unknown as Metric);
  }
  return view.metrics();
}

/**
 * A histogram that can carry exemplars, registered in a Prometheus-format `registry`.
 * prom-client refuses `enableExemplars` at construction when a target registry is
 * Prometheus-format (it cannot print them); the daemon's registry is, on purpose (see the header),
 * and `renderMetrics` prints the exemplars under OpenMetrics. So construct unregistered, then
 * register. Observe with `h.observe({ labels, value, exemplarLabels: tracing.exemplarLabels(traceId) })`.
 */
export function exemplarHistogram<T extends string>(registry: Registry, config: Omit<HistogramConfiguration<T>, 'registers' | 'enableExemplars'>): Histogram<T> {
  const histogram = new Histogram<T>({ ...config, registers: [], enableExemplars: true });
  registry.registerMetric(histogram);
  return histogram;
}

/** The parts of a prom-client metric object a Registry reads when rendering. */
interface MetricLike {
  name: string;
  help: string;
  type: string;
  aggregator?: string;
  get(): Promise<{ name: string } & Record<string, unknown>>;
  getForPromString?(): Promise<{ name: string } & Record<string, unknown>>;
}

/**
 * A read-only view with the counter name each format wants: the OpenMetrics family name has no
 * `_total` (prom-client appends it per sample), the Prometheus one keeps it.
 */
function metricView(metric: MetricLike, format: ExpositionFormat): MetricLike {
  const rename = metric.type !== 'counter'
    ? (n: string) => n
    : format === 'openmetrics' ? (n: string) => n.replace(/_total$/, '') : (n: string) => n;
  const fetch = metric.getForPromString !== undefined ? metric.getForPromString.bind(metric) : metric.get.bind(metric);
  const read = async () => {
    const data = await fetch();
    return { ...data, name: rename(data.name) };
  };
  return {
    name: rename(metric.name),
    help: metric.help,
    type: metric.type,
    ...(metric.aggregator === undefined ? {} : { aggregator: metric.aggregator }),
    get: read,
    getForPromString: read,
  };
}
