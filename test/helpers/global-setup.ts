/** Runs once before all tests: tests that spawn bin/tinybert.js must run the current src/, not a stale dist/. */
import { buildDist } from './build.js';

export default function setup(): void {
  buildDist();
}
