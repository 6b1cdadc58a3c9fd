/** Regression detection: compare a load run with its baseline. */
export { compareRuns } from './compare-runs.js';
export { renderComparisonHtml, renderComparisonMarkdown } from './render-comparison.js';
export { createRegressionGauge } from './regression-gauge.js';
export type { RegressionGauge } from './regression-gauge.js';
export { DEFAULT_REGRESSION_RULE, ruleFromConfig } from './types.js';
export type { ComparisonRow, LoadResultLike, RegressionReport, RegressionRule } from './types.js';
