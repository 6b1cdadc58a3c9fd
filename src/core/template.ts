/**
 * The `{{var}}` template syntax shared by load requests and probe steps: one pattern, one
 * renderer, one way to list the names a text uses (for the config's "used before extracted" check).
 */

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** True when `text` contains at least one `{{var}}`. */
export function hasTemplate(text: string): boolean {
  TEMPLATE.lastIndex = 0;
  const found = TEMPLATE.test(text);
  TEMPLATE.lastIndex = 0;
  return found;
}

/** The variable names `text` uses, in order of appearance (repeats included). */
export function templateNames(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1] ?? '');
}

/** Renders `{{var}}` with `vars` (missing ones become empty strings). */
export function renderTemplate(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(TEMPLATE, (_m, name: string) => vars.get(name) ?? '');
}

/** A value read from a JSON body as `{{var}}` substitutes it: strings as they are, anything else as JSON. */
export function templateText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
