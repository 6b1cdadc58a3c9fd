/** One thing wrong with a config file, located for a person. */
export interface ConfigProblem {
  /** File name as given. */
  file: string;
  /** 1-based line, 0 when unknown. */
  line: number;
  /** 1-based column, 0 when unknown. */
  column: number;
  /** Path such as `probes[2].http.timeout` ("" for the root). */
  path: string;
  /** What was expected, in plain words. */
  message: string;
}

/** Collects semantic problems by JSON-pointer-like path segments; the loader adds file positions. */
export type ReportProblem = (path: readonly (string | number)[], message: string) => void;

/** Collects warnings (the config is valid, but a person should change something) the same way. */
export type ReportWarning = ReportProblem;

/** Formats `probes[2].http.timeout` from segments. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** "file:line:column path: message" — how a problem is printed. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where} ${p.path === '' ? '(root)' : p.path}: ${p.message}`;
}
