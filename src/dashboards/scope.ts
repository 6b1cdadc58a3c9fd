/**
 * Every dashboard query is scoped to the `$job` and `$instance` variables, so a dashboard over
 * several perfwarden instances (replicas, shards, load pods) can show one, some or all. Queries
 * are written without them and scoped here, in one place: each perfwarden/Node.js metric
 * selector gets `job=~"$job",instance=~"$instance"`.
 */

const SELECTOR = /\b((?:perfwarden|nodejs|process)_[A-Za-z0-9_:]*)(\{[^}]*\})?/g;
const SCOPE = 'job=~"$job",instance=~"$instance"';

/** `expr` with every metric selector limited to the selected jobs and instances. */
export function scopeToInstances(expr: string): string {
  return expr.replace(SELECTOR, (_m, name: string, labels: string | undefined) => {
    const inner = labels === undefined ? '' : labels.slice(1, -1).trim();
    return `${name}{${SCOPE}${inner === '' ? '' : `,${inner}`}}`;
  });
}
