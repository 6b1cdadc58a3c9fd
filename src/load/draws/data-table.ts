/**
 * Data files of a load (k6 SharedArray / Locust CSV style), parsed into one compact table: the
 * column names, and every cell's UTF-8 bytes in a SharedArrayBuffer with their offsets in
 * another. Handing the load to a worker thread shares that memory instead of copying it: a
 * structured clone of a million-row table as JS strings took over a second of the starting
 * thread — the daemon's, beside its probes — per worker. A worker reads the cells its iterations
 * use (`TableReader`). CSV is RFC 4180
 * with a header row (quoted fields, doubled quotes, CRLF or LF); JSON is an array of objects whose
 * values are strings, numbers, booleans or null. Throws PW_ERR_INVALID_ARGUMENT with a message
 * that names the line (CSV) or the element (JSON).
 */
import { PwError } from '../../core/errors.js';

/** Largest data file read (bytes). */
export const MAX_DATA_BYTES = 50 * 1024 * 1024;
/** Most rows of one data file. */
export const MAX_DATA_ROWS = 1_000_000;

/** A parsed data file. */
export interface DataTable {
  readonly columns: readonly string[];
  readonly rows: number;
  /** The cells' UTF-8 bytes, row by row. */
  readonly bytes: SharedArrayBuffer;
  /** Uint32 byte offsets: cell (row r, column c) is i = r·columns + c, bytes offsets[i] … offsets[i+1]. */
  readonly offsets: SharedArrayBuffer;
}

/** Reads the cells of a table (in any thread). */
export class TableReader {
  private readonly bytes: Buffer;
  private readonly offsets: Uint32Array;
  private readonly width: number;

  constructor(table: DataTable) {
    this.bytes = Buffer.from(table.bytes);
    this.offsets = new Uint32Array(table.offsets);
    this.width = table.columns.length;
  }

  /** The value of `column` in `row`. */
  cell(row: number, column: number): string {
    const i = row * this.width + column;
    return this.bytes.toString('utf8', this.offsets[i], this.offsets[i + 1]);
  }
}

/** An empty table (no columns, no rows). */
export function emptyTable(): DataTable {
  return { columns: [], rows: 0, bytes: new SharedArrayBuffer(0), offsets: new SharedArrayBuffer(4) };
}

/** Packs columns of strings (`values[c][r]`) into a table. */
function packTable(columns: readonly string[], values: readonly (readonly string[])[], rows: number): DataTable {
  const width = columns.length;
  const offsets = new Uint32Array(new SharedArrayBuffer((rows * width + 1) * 4));
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      offsets[r * width + c] = total;
      total += Buffer.byteLength(values[c]![r]!, 'utf8');
    }
  }
  offsets[rows * width] = total;
  const bytes = new SharedArrayBuffer(total);
  const buf = Buffer.from(bytes);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) buf.write(values[c]![r]!, offsets[r * width + c]!, 'utf8');
  return { columns, rows, bytes, offsets: offsets.buffer as SharedArrayBuffer };
}

/** The format of `file` by its extension: `.json` is JSON, anything else CSV. */
export function dataFormatOf(file: string): 'csv' | 'json' {
  return /\.json$/i.test(file) ? 'json' : 'csv';
}

/** Parses a data file's text. */
export function parseDataTable(text: string, format: 'csv' | 'json'): DataTable {
  const table = format === 'json' ? parseJsonRows(text) : parseCsv(text);
  if (table.rows === 0) throw bad(format === 'json' ? 'the file holds no rows (expected a non-empty array of objects)' : 'the file holds a header but no rows');
  return table;
}

/** CSV with a header row. */
export function parseCsv(text: string): DataTable {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  const n = body.length;
  /** Reads one record; undefined at the end of the text. */
  const record = (): string[] | undefined => {
    if (i >= n) return undefined;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (body[i] === '"') {
        const startLine = line;
        i++;
        for (;;) {
          const q = body.indexOf('"', i);
          if (q < 0) throw bad(`line ${startLine}: a quoted field is never closed`);
          field += body.slice(i, q);
          for (let k = i; k < q; k++) if (body.charCodeAt(k) === 10) line++;
          i = q + 1;
          if (body[i] === '"') {
            field += '"';
            i++;
            continue;
          }
          break;
        }
        if (i < n && body[i] !== ',' && body[i] !== '\n' && body[i] !== '\r') throw bad(`line ${line}: unexpected text after a closing quote`);
      } else {
        let j = i;
        while (j < n && body[j] !== ',' && body[j] !== '\n' && body[j] !== '\r') j++;
        field = body.slice(i, j);
        if (field.includes('"')) throw bad(`line ${line}: a quote inside an unquoted field (quote the whole field and double the quote)`);
        i = j;
      }
      fields.push(field);
      if (body[i] === ',') {
        i++;
        continue;
      }
      if (body[i] === '\r') i++;
      if (body[i] === '\n') i++;
      line++;
      return fields;
    }
  };
  const header = record();
  if (header === undefined || (header.length === 1 && header[0] === '')) throw bad('the file is empty (expected a header row, then rows)');
  const columns = header.map((h) => h.trim());
  columns.forEach((c, k) => {
    if (c === '') throw bad(`line 1: column ${k + 1} has no name`);
    if (columns.indexOf(c) !== k) throw bad(`line 1: column "${c}" appears twice`);
  });
  const values: string[][] = columns.map(() => []);
  let rows = 0;
  for (;;) {
    const at = line;
    const r = record();
    if (r === undefined) break;
    if (r.length === 1 && r[0] === '') continue; // a blank line
    if (r.length !== columns.length) throw bad(`line ${at}: ${r.length} fields, expected ${columns.length} (as the header)`);
    if (++rows > MAX_DATA_ROWS) throw tooMany();
    for (let c = 0; c < r.length; c++) values[c]!.push(r[c]!);
  }
  return packTable(columns, values, rows);
}

/** A JSON array of flat objects; the columns are the keys of all objects (a missing key reads ""). */
export function parseJsonRows(text: string): DataTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (thrown) {
    throw bad(`not JSON: ${(thrown as Error).message}`);
  }
  if (!Array.isArray(doc)) throw bad('expected a JSON array of objects');
  if (doc.length > MAX_DATA_ROWS) throw tooMany();
  const index = new Map<string, number>();
  const values: string[][] = [];
  doc.forEach((row: unknown, r) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw bad(`element [${r}]: expected an object`);
    for (const [k, v] of Object.entries(row)) {
      if (v !== null && typeof v === 'object') throw bad(`element [${r}].${k}: expected a string, number, boolean or null (data rows are flat)`);
      let c = index.get(k);
      if (c === undefined) {
        c = values.length;
        index.set(k, c);
        values.push(new Array<string>(r).fill(''));
      }
      values[c]![r] = v === null ? '' : String(v);
    }
    for (const col of values) if (col.length <= r) col.push('');
  });
  return packTable([...index.keys()], values, doc.length);
}

function tooMany(): PwError {
  return bad(`more than ${MAX_DATA_ROWS.toLocaleString('en')} rows (split the file, or draw keys with zipf()/randomInt() instead)`);
}

function bad(message: string): PwError {
  return new PwError('PW_ERR_INVALID_ARGUMENT', message);
}
