/**
 * The `{{var}}` template syntax shared by load requests and probe steps: one pattern, one
 * renderer, one way to list the names a text uses (for the config's "used before extracted" check).
 * A name is an identifier (`token`, an extracted or drawn variable) or a data-file column
 * (`users.email`: source name, a dot, the column).
 */

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)?)\s*\}\}/g;

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

/**
 * A template split once into literal parts and value slots, for the load generator's hot path:
 * rendering is a few string concatenations, with no regular expression and no map lookups.
 * `literals` has one more entry than `slots`.
 */
export interface CompiledTemplate {
  readonly literals: readonly string[];
  readonly slots: readonly number[];
}

/** Splits `text` into literals and the slot numbers `slotOf` gives each name. */
export function compileTemplate(text: string, slotOf: (name: string) => number): CompiledTemplate {
  const literals: string[] = [];
  const slots: number[] = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    literals.push(text.slice(last, m.index));
    slots.push(slotOf(m[1] ?? ''));
    last = (m.index ?? 0) + m[0].length;
  }
  literals.push(text.slice(last));
  return { literals, slots };
}

/** Renders a compiled template with the values by slot; `escape` transforms each value first. */
export function renderCompiled(t: CompiledTemplate, values: readonly string[], escape?: (value: string) => string): string {
  let out = t.literals[0] ?? '';
  for (let i = 0; i < t.slots.length; i++) {
    const v = values[t.slots[i]!] ?? '';
    out += (escape === undefined ? v : escape(v)) + (t.literals[i + 1] ?? '');
  }
  return out;
}
