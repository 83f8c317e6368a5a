/**
 * The entries tinybert writes at the top of a run folder (`output_dir`). Stage folders sit beside
 * them, so a stage may not take one of these names (compared without case: macOS and Windows
 * folders are case-insensitive). The pipeline imports the names from here.
 */
export const RUN_MARKER = '.tinybert-run';
export const RUN_LOCK = '.tinybert-lock';
export const RUN_FILES = {
  recipe: 'recipe.yaml',
  log: 'log.jsonl',
  run: 'run.json',
  summary: 'summary.json',
  export: 'export',
  // The run report (report/report.ts) and its Markdown and JSON summaries.
  report: 'report.html',
  reportMarkdown: 'report.md',
  reportJson: 'report.json',
} as const;

export const RESERVED_STAGE_NAMES: readonly string[] = [RUN_MARKER, RUN_LOCK, ...Object.values(RUN_FILES)];

export function isReservedStageName(name: string): boolean {
  return RESERVED_STAGE_NAMES.includes(name.toLowerCase());
}
