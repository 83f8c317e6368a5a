/**
 * The one way to fail. Every user-facing mistake is one of these subclasses; the CLI prints
 * `error.message` without a stack trace and exits non-zero. Messages name the file, line or field,
 * what was seen and what was expected.
 */
export class TinybertError extends Error {
  constructor(message: string) {
    // One line: wrapped library messages (JSON.parse, fs) may carry newlines.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = new.target.name;
  }
}

/** A recipe file or `--set` override is malformed. */
export class RecipeError extends TinybertError {}
/** A model config file is missing, malformed or inconsistent. */
export class ConfigError extends TinybertError {}
/** A weights file is missing, truncated, corrupted or does not match the model. */
export class CheckpointError extends TinybertError {}
/** A dataset, vocabulary or input file is missing or malformed. */
export class DataError extends TinybertError {}
/** Tensors of incompatible shapes were combined. */
export class ShapeError extends TinybertError {}
/** A backend was requested that is not available. */
export class BackendError extends TinybertError {}
/** A command-line argument is invalid. */
export class UsageError extends TinybertError {}

/** Shortens a value for inclusion in a one-line error message. */
export function show(value: unknown, max = 80): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
