export { writeReport, type ReportOptions, type ReportResult } from './report.js';
export { readRun, type RunData, type StageData } from './run-data.js';
export type { ReportSummary } from './summary.js';
