/** Report renderers: pure functions of a load result. */
import type { LoadResult } from '../load/result/result.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export { renderHtml, renderJunit, renderMarkdown };

/** A report format. */
export type ReportFormat = 'html' | 'markdown' | 'junit';

/** The format implied by a file name: .html/.htm, .md/.markdown, .xml (JUnit). */
export function reportFormatOf(file: string): ReportFormat | undefined {
  if (/\.html?$/i.test(file)) return 'html';
  if (/\.(md|markdown)$/i.test(file)) return 'markdown';
  if (/\.xml$/i.test(file)) return 'junit';
  return undefined;
}

/** Renders a result in `format`. */
export function renderReport(result: LoadResult, format: ReportFormat): string {
  return format === 'html' ? renderHtml(result) : format === 'markdown' ? renderMarkdown(result) : renderJunit(result);
}
