/**
 * Small pure constructors for Grafana panels and variables. Layout is computed, not written by
 * hand: `layout` packs panels left to right on the 24-column grid and numbers them, so adding a
 * panel never means renumbering ids or shifting coordinates.
 */
import { scopeToInstances } from './scope.js';
import { DATASOURCE } from './grafana-model.js';
import type { DataLink, FieldDefaults, Panel, PromTarget, TemplateVariable, ThresholdStep, ValueMapping } from './grafana-model.js';

/** One query of a panel: PromQL plus its legend. */
export interface Query {
  expr: string;
  legend?: string;
  /** Fetch exemplars (latency histograms only). */
  exemplar?: boolean;
}

/**
 * Warning/critical levels; `direction: 'below'` for "lower is worse" (cache hit ratio). Without a
 * warning (or with one equal to critical) there is no orange step: one value, one colour.
 */
export interface Levels {
  warning?: number;
  critical: number;
  direction?: 'above' | 'below';
}

/** What every panel spec has. */
export interface PanelSpec {
  title: string;
  description?: string;
  queries: Query[];
  /** A Grafana unit id: s, bytes, Bps, percentunit, reqps, short, none. */
  unit: string;
  /** Threshold lines; undefined (no alert configured for it) draws none. */
  levels?: Levels | undefined;
  /** Data links on every series. */
  links?: DataLink[];
  /** Width in grid columns (24 = full); default 12. */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  stacked?: boolean;
  mappings?: ValueMapping[];
}

/** A panel before layout: type plus spec. */
export interface PanelDraft {
  type: 'timeseries' | 'stat' | 'state-timeline';
  spec: PanelSpec;
}

/** A time series panel. */
export function timeseries(spec: PanelSpec): PanelDraft {
  return { type: 'timeseries', spec };
}

/** A single-value panel (one value per series). */
export function stat(spec: PanelSpec): PanelDraft {
  return { type: 'stat', spec };
}

/** A state timeline (alert states over time). */
export function stateTimeline(spec: PanelSpec): PanelDraft {
  return { type: 'state-timeline', spec };
}

/** Threshold steps for warning/critical levels. */
export function thresholdSteps(levels: Levels | undefined): ThresholdStep[] {
  if (levels === undefined) return [{ color: 'green', value: null }];
  const { warning, critical } = levels;
  const orange = warning !== undefined && warning !== critical;
  if (levels.direction === 'below') {
    return orange
      ? [{ color: 'red', value: null }, { color: 'orange', value: critical }, { color: 'green', value: warning }]
      : [{ color: 'red', value: null }, { color: 'green', value: critical }];
  }
  return orange
    ? [{ color: 'green', value: null }, { color: 'orange', value: warning }, { color: 'red', value: critical }]
    : [{ color: 'green', value: null }, { color: 'red', value: critical }];
}

function fieldDefaults(draft: PanelDraft): FieldDefaults {
  const { spec } = draft;
  const custom: Record<string, unknown> = {};
  if (draft.type === 'timeseries') {
    custom.drawStyle = 'line';
    custom.lineWidth = 1;
    custom.fillOpacity = spec.stacked === true ? 60 : 10;
    custom.showPoints = 'never';
    custom.spanNulls = false;
    custom.stacking = { mode: spec.stacked === true ? 'normal' : 'none', group: 'A' };
    custom.thresholdsStyle = { mode: spec.levels === undefined ? 'off' : 'line+area' };
  }
  return {
    unit: spec.unit,
    ...(spec.min === undefined ? {} : { min: spec.min }),
    ...(spec.max === undefined ? {} : { max: spec.max }),
    thresholds: { mode: 'absolute', steps: thresholdSteps(spec.levels) },
    mappings: spec.mappings ?? [],
    ...(spec.links === undefined ? {} : { links: spec.links }),
    color: { mode: draft.type === 'timeseries' ? 'palette-classic' : 'thresholds' },
    custom,
  };
}

function options(draft: PanelDraft): Record<string, unknown> {
  switch (draft.type) {
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area', textMode: 'value_and_name', orientation: 'auto', justifyMode: 'auto' };
    case 'state-timeline':
      return { mergeValues: true, showValue: 'auto', rowHeight: 0.9, legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'single', sort: 'none' } };
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } };
  }
}

function targets(queries: readonly Query[]): PromTarget[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: { ...DATASOURCE },
    expr: scopeToInstances(q.expr),
    legendFormat: q.legend ?? '__auto',
    range: true,
    instant: false,
    exemplar: q.exemplar ?? false,
  }));
}

/** A titled group of panel drafts (rendered as a Grafana row, expanded). */
export interface Section {
  title: string;
  panels: PanelDraft[];
}

/** Packs sections into rows and panels on the 24-column grid, numbering ids from 1. */
export function layout(sections: readonly Section[]): Panel[] {
  const out: Panel[] = [];
  let id = 1;
  let y = 0;
  for (const section of sections) {
    out.push({ id: id++, type: 'row', title: section.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const draft of section.panels) {
      const w = draft.spec.width ?? 12;
      const h = draft.spec.height ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      out.push({
        id: id++,
        type: draft.type,
        title: draft.spec.title,
        ...(draft.spec.description === undefined ? {} : { description: draft.spec.description }),
        gridPos: { x, y, w, h },
        datasource: { ...DATASOURCE },
        targets: targets(draft.spec.queries),
        fieldConfig: { defaults: fieldDefaults(draft), overrides: [] },
        options: options(draft),
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return out;
}

/** The datasource variable `DS_PROMETHEUS` every panel refers to. */
export function datasourceVariable(): TemplateVariable {
  return {
    name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', query: 'prometheus',
    current: {}, hide: 0, refresh: 1, includeAll: false, multi: false, regex: '', options: [],
  };
}

/**
 * A multi-select variable over the values of `label` on `metric` (e.g. probe names), with All
 * (`.*`); queries match it with `=~"$name"`.
 */
export function labelVariable(name: string, label: string, metric: string, title: string): TemplateVariable {
  const definition = `label_values(${metric}, ${label})`;
  return {
    name, label: title, type: 'query',
    query: { query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    datasource: { ...DATASOURCE }, definition,
    current: { selected: true, text: ['All'], value: ['$__all'] }, hide: 0, refresh: 2, includeAll: true, allValue: '.*', multi: true, regex: '', sort: 1, options: [],
  };
}
