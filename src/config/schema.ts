/**
 * The whole config schema, assembled from one file per section so each domain owns its part.
 * Adding a section: export its schema (and an optional semantic `check`) from
 * `sections/<name>.ts`, then add it to `ConfigSchema` and `SECTION_CHECKS` here.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { DemoSection, LogSection, ServerSection, StorageSection, TargetsSection, checkTargets } from './sections/core.js';
import { ProbesSection, checkProbes, upgradeProbes } from './sections/probes.js';
import { ApiSection } from './sections/api.js';
import { HistorySection } from './sections/history.js';
import { TelemetrySection } from './sections/telemetry.js';
import { LoadsSection, checkLoads } from './sections/loads.js';
import { LimitsSection, checkLoadLimits } from './sections/limits.js';
import { AlertsSection, checkAlerts } from './sections/alerts.js';
import { NotificationsSection, checkNotifications } from './sections/notifications.js';
import { checkResources } from './sections/resources.js';
import { MaintenanceSection, checkMaintenance } from './sections/maintenance.js';
import { ClusterSection } from './sections/cluster.js';
import type { ReportProblem, ReportWarning } from './problem.js';

/** The root schema. Unknown top-level keys are errors. */
export const ConfigSchema = Type.Object(
  {
    server: ServerSection,
    log: LogSection,
    storage: StorageSection,
    demo: DemoSection,
    targets: TargetsSection,
    probes: ProbesSection,
    api: ApiSection,
    history: HistorySection,
    telemetry: TelemetrySection,
    loads: LoadsSection,
    limits: LimitsSection,
    alerts: AlertsSection,
    notifications: NotificationsSection,
    maintenance: MaintenanceSection,
    cluster: ClusterSection,
  },
  { additionalProperties: false },
);

/** The decoded, validated, frozen configuration. */
export type Config = StaticDecode<typeof ConfigSchema>;

/** Checks that a schema cannot express (cross references, exclusive options), run on raw input. */
export const SECTION_CHECKS: readonly ((raw: Record<string, unknown>, report: ReportProblem) => void)[] = [
  checkTargets,
  checkProbes,
  checkLoads,
  checkLoadLimits,
  checkAlerts,
  checkNotifications,
  checkResources,
  checkMaintenance,
];

/**
 * Rewrites of older config shapes into the current one, run on the raw input before defaults and
 * validation; each says what it did as a warning.
 */
export const SECTION_UPGRADES: readonly ((raw: Record<string, unknown>, warn: ReportWarning) => void)[] = [
  upgradeProbes,
];
