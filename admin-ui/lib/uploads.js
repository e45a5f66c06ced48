// The upload queue: tus uploads through tus-js-client, a few at a time, resumable across reloads.
import 'tus-js-client';
import { api, bearer, resumeSession } from './api.js';

const tus = globalThis.tus;
const ENDPOINT = '/api/uploads';
// Many small files must not open hundreds of requests at once.
const PARALLEL = 3;
const CHUNK = 8 * 1024 * 1024;

let nextId = 1;
const items = [];
const listeners = new Set();

/** Subscribe to queue changes (called with the item list); returns the unsubscribe function. */
export function onUploads(fn) {
  listeners.add(fn);
  fn(items.slice());
  return () => listeners.delete(fn);
}

function changed() {
  const snapshot = items.slice();
  for (const fn of listeners) fn(snapshot);
}

function update(item, patch) {
  Object.assign(item, patch);
  changed();
}

/** The same file into the same folder resumes; a different folder is a different upload. */
function fingerprint(file, options) {
  return Promise.resolve(['nasd', options.metadata.folder, file.name, file.size, file.lastModified].join('|'));
}

function failureText(err) {
  const res = err && err.originalResponse;
  const status = res ? res.getStatus() : 0;
  const body = res ? (res.getBody() || '').trim() : '';
  if (status === 413) return `Not enough space: ${body || 'the file is larger than your remaining quota'}`;
  if (status) return body || `the server answered ${status}`;
  return 'the connection was lost; start the upload again (it resumes where it stopped)';
}

function startTus(item) {
  const upload = new tus.Upload(item.file, {
    endpoint: ENDPOINT,
    chunkSize: CHUNK,
    retryDelays: [0, 1000, 3000],
    metadata: { folder: item.folder, filename: item.file.name, filetype: item.file.type || 'application/octet-stream' },
    fingerprint,
    removeFingerprintOnSuccess: true,
    async onBeforeRequest(req) {
      req.setHeader('Authorization', `Bearer ${await bearer()}`);
    },
    onShouldRetry(err) {
      const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
      if (status === 401) { resumeSession(); return true; }
      return status === 0 || status === 423 || status >= 500;
    },
    onProgress(sent, total) {
      const now = Date.now();
      const dt = (now - item.sampleAt) / 1000;
      if (dt >= 0.5) {
        const rate = (sent - item.sampleBytes) / dt;
        item.speed = item.speed ? item.speed * 0.6 + rate * 0.4 : rate;
        item.sampleAt = now;
        item.sampleBytes = sent;
      }
      update(item, { sent, total });
    },
    onSuccess() {
      update(item, { state: 'done', sent: item.file.size, upload: null });
      if (item.onDone) item.onDone(item);
      pump();
    },
    onError(err) {
      update(item, { state: 'failed', error: failureText(err), upload: null });
      pump();
    },
  });
  item.upload = upload;
  item.sampleAt = Date.now();
  item.sampleBytes = item.sent;
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) {
      item.resumed = true;
      upload.resumeFromPreviousUpload(previous[0]);
    }
    upload.start();
  }, (err) => update(item, { state: 'failed', error: err.message }));
}

function pump() {
  const running = items.filter((i) => i.state === 'uploading').length;
  for (const item of items.filter((i) => i.state === 'queued').slice(0, Math.max(0, PARALLEL - running))) {
    update(item, { state: 'uploading' });
    startTus(item);
  }
}

async function ensureFolders(folders) {
  for (const folder of [...new Set(folders)].sort((a, b) => a.length - b.length)) {
    try {
      await api('POST', '/api/files/mkdir', { path: folder });
    } catch (err) {
      if (err.code !== 'ALREADY_EXISTS') throw err;
    }
  }
}

/**
 * Queues files for upload into `folder`. Each entry is {file, relativePath?}; a relative path
 * (from a dropped or picked folder) keeps its structure: its folders are created first.
 */
export async function addUploads(folder, entries, onDone) {
  const join = (a, b) => (a === '/' ? '' : a) + '/' + b;
  const placed = entries.map(({ file, relativePath }) => {
    const parts = (relativePath || file.name).split('/').filter(Boolean);
    parts.pop();
    let dir = folder;
    const dirs = [];
    for (const p of parts) { dir = join(dir, p); dirs.push(dir); }
    return { file, dir, dirs };
  });
  await ensureFolders(placed.flatMap((p) => p.dirs));
  for (const p of placed) {
    items.push({ id: nextId++, file: p.file, name: p.file.name, folder: p.dir, state: 'queued', sent: 0, total: p.file.size, speed: 0, error: null, onDone });
  }
  changed();
  pump();
}

/** Pauses a running upload (the server keeps what it has). */
export function pauseUpload(id) {
  const item = items.find((i) => i.id === id);
  if (!item || item.state !== 'uploading') return;
  item.upload.abort(false);
  update(item, { state: 'paused', upload: null, speed: 0 });
  pump();
}

/** Resumes a paused or failed upload from the server's offset. */
export function resumeUpload(id) {
  const item = items.find((i) => i.id === id);
  if (!item || (item.state !== 'paused' && item.state !== 'failed')) return;
  update(item, { state: 'queued', error: null });
  pump();
}

/** Cancels an upload: the server discards the partial file. */
export function cancelUpload(id) {
  const item = items.find((i) => i.id === id);
  if (!item || item.state === 'done') return;
  const running = item.upload;
  update(item, { state: 'cancelled', upload: null });
  if (running) running.abort(true).catch(() => {});
  pump();
}

/** Removes finished, failed and cancelled uploads from the list. */
export function clearFinished() {
  for (let i = items.length - 1; i >= 0; i--) if (['done', 'cancelled'].includes(items[i].state)) items.splice(i, 1);
  changed();
}

/** Uploads left unfinished by an earlier visit (tus-js-client's stored URLs). */
export async function unfinishedUploads() {
  try {
    const all = await tus.defaultOptions.urlStorage.findAllUploads();
    return all.filter((u) => u.metadata && u.metadata.filename);
  } catch {
    return [];
  }
}
