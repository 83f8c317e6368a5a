/**
 * `serveModel(dir)`: what `tinybert serve` runs. A node:http server on the loopback interface that
 * serves a page to try an exported student in the browser:
 *
 *   /              the page (page.ts)
 *   /tinybert.js   the browser loader, built with the package (bundle.ts)
 *   /model/FILE    the files of DIR, a TF.js export (model.json, shards, config, vocab)
 *   /report.html   the report of the run DIR lies in, when that run has one
 *
 * Only regular files directly inside DIR are served; nothing else on the disk is reachable.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CheckpointError, UsageError } from '../errors.js';
import { RUN_FILES, RUN_MARKER } from '../recipe/run-files.js';
import { browserLoader } from './bundle.js';
import { pageHtml } from './page.js';

export interface ServeOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on (default 127.0.0.1: the page is for the person at this machine). */
  host?: string;
}

export interface ModelServer {
  url: string;
  /** The run report linked from the page, if DIR is inside a run that has one. */
  report?: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

export async function serveModel(dir: string, opts: ServeOptions): Promise<ModelServer> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${dir}: no such folder; give a TF.js export (tinybert export RUN --format tfjs --out DIR)`);
  if (!existsSync(join(root, 'model.json'))) {
    throw new CheckpointError(`${dir}: no model.json; the page loads a TF.js export: make one with "tinybert export RUN_OR_MODEL --format tfjs --out DIR"`);
  }
  if (opts.port > 65535) throw new UsageError(`--port ${opts.port}: a TCP port is at most 65535 (0 picks a free one)`);
  const report = findRunReport(root);
  const page = pageHtml({ title: basename(root), report: report !== undefined });
  const loader = await browserLoader();

  const server = createServer((req, res) => {
    try {
      route(req, res, { root, report, page, loader });
    } catch (e) {
      res.writeHead(500, { 'content-type': TYPES['.txt']! }).end(String((e as Error).message));
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is in use; choose another or --port 0 for a free one`) : e),
    );
    server.listen(opts.port, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    report,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

function route(req: IncomingMessage, res: ServerResponse, site: { root: string; report?: string; page: string; loader: string }): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/' || path === '/index.html') return send(res, TYPES['.html']!, site.page);
  if (path === '/tinybert.js') return send(res, TYPES['.js']!, site.loader);
  if (path === '/report.html' && site.report) return send(res, TYPES['.html']!, readFileSync(site.report));
  const m = /^\/model\/([^/\\]+)$/.exec(path);
  if (m && m[1] !== '.' && m[1] !== '..') {
    const file = join(site.root, m[1]);
    if (existsSync(file) && statSync(file).isFile()) return send(res, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  }
  res.writeHead(404, { 'content-type': TYPES['.txt']! }).end('not found');
}

function send(res: ServerResponse, type: string, body: string | Buffer): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

/** report.html of the run folder (marked .tinybert-run) that holds `dir`, if it has one. */
function findRunReport(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, RUN_MARKER))) {
      const report = join(d, RUN_FILES.report);
      return existsSync(report) ? report : undefined;
    }
    if (dirname(d) === d) return undefined;
  }
}
