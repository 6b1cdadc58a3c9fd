/**
 * The subset of Grafana's dashboard JSON model (schemaVersion 39, Grafana 10.x/11.x) that the
 * builder emits. Typed so a typo in a field name is a compile error rather than a panel that
 * silently ignores its unit.
 */

/** The schema version every generated dashboard declares. */
export const SCHEMA_VERSION = 39;

/** The datasource template variable every panel and query points at. */
export const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;

/** A datasource reference. */
export interface DatasourceRef {
  type: string;
  uid: string;
}

/** One PromQL query of a panel. */
export interface PromTarget {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  range: boolean;
  instant: boolean;
  /** Asks Grafana to fetch exemplars (trace ids) with the series. */
  exemplar: boolean;
}

/** A threshold step; the first has `value: null` (the base colour). */
export interface ThresholdStep {
  color: string;
  value: number | null;
}

/** A value → text mapping (alert states). */
export interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color: string; index: number }>;
}

/**
 * A data link. `url` may use Grafana's link variables: `${__field.labels.probe}` (the clicked
 * series' label) and `${__url_time_range}` (the current time range).
 */
export interface DataLink {
  title: string;
  url: string;
}

/** A panel's field defaults. */
export interface FieldDefaults {
  unit: string;
  min?: number;
  max?: number;
  decimals?: number;
  thresholds: { mode: 'absolute'; steps: ThresholdStep[] };
  mappings: ValueMapping[];
  /** Data links: a click on a series opens another dashboard for it. */
  links?: DataLink[];
  color: { mode: string };
  custom: Record<string, unknown>;
}

/** A panel position on the 24-column grid. */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A visualisation panel or a row. */
export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'state-timeline' | 'row';
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  targets?: PromTarget[];
  fieldConfig?: { defaults: FieldDefaults; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

/** A template variable. */
export interface TemplateVariable {
  name: string;
  label: string;
  type: 'datasource' | 'query';
  query: string | { query: string; refId: string };
  datasource?: DatasourceRef;
  definition?: string;
  current: Record<string, unknown>;
  hide: number;
  refresh: number;
  includeAll: boolean;
  /** What "All" sends: `.*` matches every value (the queries use `=~`). */
  allValue?: string;
  multi: boolean;
  regex: string;
  sort?: number;
  options: unknown[];
}

/** A whole dashboard. */
export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  graphTooltip: number;
  refresh: string;
  schemaVersion: number;
  version: number;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  annotations: { list: unknown[] };
  links: unknown[];
  panels: Panel[];
}
