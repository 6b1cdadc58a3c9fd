/**
 * The `maintenance` config section: windows during which alerts of the selected probes, targets
 * and loads are silenced and the status page and badges say "maintenance" (Uptime Kuma's
 * maintenance, Alertmanager's `time_intervals`). One-off (`start` + `end` or `duration`) or
 * recurring (`cron` + `duration`, in the daemon's local time like crontab).
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Cron, Duration, Name, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';

/** An ISO 8601 time with a zone ("2026-12-05T22:00:00Z"), decoded to epoch ms. */
function IsoTime() {
  return Type.Transform(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$', errorMessage: 'expected a time like "2026-12-05T22:00:00Z" (ISO 8601 with a zone)' }))
    .Decode((v) => Date.parse(v))
    .Encode((ms) => new Date(ms).toISOString());
}

const NameList = Type.Array(Name(), { minItems: 1 });

/** Which alerts and probes a window covers; absent: everything. */
export const MaintenanceSelectSchema = Strict({
  probes: Type.Optional(NameList),
  targets: Type.Optional(NameList),
  loads: Type.Optional(NameList),
});

/** One window. */
export const MaintenanceWindowSchema = Strict({
  name: Name(),
  /** Recurring: when each window starts. */
  cron: Type.Optional(Cron()),
  /** One-off: when it starts. */
  start: Type.Optional(IsoTime()),
  /** One-off: when it ends (or give `duration`). */
  end: Type.Optional(IsoTime()),
  /** How long each window lasts (required with `cron`). */
  duration: Type.Optional(Duration()),
  select: Type.Optional(MaintenanceSelectSchema),
  comment: Type.Optional(Type.String({ maxLength: 500 })),
});

/** `maintenance`. */
export const MaintenanceSection = Type.Array(MaintenanceWindowSchema, { default: [] });

/** Decoded types. */
export type MaintenanceWindowConfig = StaticDecode<typeof MaintenanceWindowSchema>;
export type MaintenanceSelectConfig = StaticDecode<typeof MaintenanceSelectSchema>;

type Raw = Record<string, unknown>;

/** Semantic checks: one-off or recurring, an end after the start, names that exist. */
export function checkMaintenance(raw: Raw, report: ReportProblem): void {
  const windows = Array.isArray(raw.maintenance) ? (raw.maintenance as Raw[]) : [];
  const names = (section: unknown) => new Set(Array.isArray(section) ? (section as Raw[]).map((x) => x?.name) : []);
  const known: Record<string, Set<unknown>> = { probes: names(raw.probes), targets: names(raw.targets), loads: names(raw.loads) };
  const seen = new Set<unknown>();
  windows.forEach((w, i) => {
    if (typeof w !== 'object' || w === null) return;
    const at = ['maintenance', i];
    if (seen.has(w.name)) report([...at, 'name'], `duplicate maintenance window name "${String(w.name)}"`);
    seen.add(w.name);
    const recurring = w.cron !== undefined;
    if (recurring === (w.start !== undefined)) report(at, 'expected exactly one of "cron" (recurring) or "start" (one-off)');
    if (recurring && w.duration === undefined) report(at, 'a recurring window needs "duration" (how long each one lasts)');
    if (recurring && w.end !== undefined) report([...at, 'end'], 'a recurring window ends "duration" after each start; "end" is for one-off windows');
    if (!recurring && w.start !== undefined && (w.end === undefined) === (w.duration === undefined)) report(at, 'a one-off window needs exactly one of "end" or "duration"');
    if (typeof w.start === 'string' && typeof w.end === 'string' && Date.parse(w.end) <= Date.parse(w.start)) report([...at, 'end'], `expected a time after start (${w.start})`);
    const select = w.select as Raw | undefined;
    if (typeof select !== 'object' || select === null) return;
    for (const kind of ['probes', 'targets', 'loads'] as const) {
      const list = select[kind];
      if (!Array.isArray(list)) continue;
      list.forEach((n, j) => {
        if (!known[kind]!.has(n)) report([...at, 'select', kind, j], `unknown ${kind.slice(0, -1)} "${String(n)}"`);
      });
    }
  });
}
