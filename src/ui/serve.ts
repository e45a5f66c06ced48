import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import mime from 'mime-types';
import { AppError } from '../lib/errors.js';

/**
 * Browser builds of the UI's libraries, served from node_modules (vendored with the install, never
 * from a CDN: the admin UI must work on an offline LAN). Only these files are reachable.
 */
const VENDOR: Record<string, string> = {
  'preact.mjs': 'preact/dist/preact.mjs',
  'hooks.mjs': 'preact/hooks/dist/hooks.mjs',
  'htm.mjs': 'htm/dist/htm.module.js',
  'htm-preact.mjs': 'htm/preact/index.module.js',
  'frappe-charts.mjs': 'frappe-charts/dist/frappe-charts.min.esm.js',
  // A UMD build: imported as a module it has no `exports`/`define` and sets `window.tus`.
  'tus.js': 'tus-js-client/dist/tus.min.js',
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/vendor/preact.mjs',
    'preact/hooks': '/vendor/hooks.mjs',
    htm: '/vendor/htm.mjs',
    'htm/preact': '/vendor/htm-preact.mjs',
    'frappe-charts': '/vendor/frappe-charts.mjs',
    'tus-js-client': '/vendor/tus.js',
  },
});

/**
 * The UI's page URLs (history routing): each answers index.html so reload and deep links work.
 * `/files/...` carries a folder path, `/storage/disks/<device>` a kernel device name; the rest are
 * fixed names, part 2's admin pages included.
 */
const PAGE_PATH = /^\/(files(\/.*)?|account|connect|users|shares|storage(\/disks\/[A-Za-z0-9][A-Za-z0-9._:-]{0,63})?|power|jobs|audit|settings|alerts|smb|telemetry)\/?$/;

const SAFE_UI_PATH = /^\/ui\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.(js|css|svg)$/;

/**
 * Serves the buildless admin UI: `/` is index.html (with the import map inlined and allowed in
 * the CSP by its hash), `/ui/*` the UI's own modules, `/vendor/*` the whitelisted library builds.
 */
export function adminUi(uiRoot: string, nodeModules: string): Koa.Middleware {
  const template = fs.readFileSync(path.join(uiRoot, 'index.html'), 'utf8');
  const importMapTag = `<script type="importmap">${IMPORT_MAP}</script>`;
  const html = template.replace('<!--importmap-->', importMapTag);
  const hash = crypto.createHash('sha256').update(IMPORT_MAP).digest('base64');

  return async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new AppError('NOT_FOUND', 'not found');
    if (ctx.path === '/' || ctx.path === '/index.html' || PAGE_PATH.test(ctx.path)) {
      ctx.set(
        'Content-Security-Policy',
        `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
      );
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'html';
      ctx.body = html;
      return;
    }
    let file: string | undefined;
    if (ctx.path.startsWith('/vendor/')) {
      const rel = VENDOR[ctx.path.slice('/vendor/'.length)];
      if (rel) file = path.join(nodeModules, rel);
    } else if (SAFE_UI_PATH.test(ctx.path)) {
      file = path.join(uiRoot, ctx.path.slice('/ui/'.length));
    }
    if (!file) throw new AppError('NOT_FOUND', 'not found');
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new AppError('NOT_FOUND', 'not found');
    ctx.type = mime.lookup(file) || 'application/octet-stream';
    if (ctx.type === 'application/javascript') ctx.type = 'text/javascript';
    ctx.set('Cache-Control', 'no-cache');
    ctx.length = stat.size;
    ctx.body = fs.createReadStream(file);
  };
}
