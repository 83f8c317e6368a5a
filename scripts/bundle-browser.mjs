// The build step after tsc: bundles the browser loader into dist/browser/tinybert.js, the file
// `tinybert serve` sends (src/serve/bundle.ts), so an installed tinybert needs no esbuild.
import { writeBrowserBundle } from '../dist/src/serve/bundle.js';

const out = await writeBrowserBundle();
process.stdout.write(`bundled the browser loader into ${out}\n`);
