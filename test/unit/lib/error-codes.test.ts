import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { errorMapper } from '../../../src/api/errors.js';
import type { ApiState } from '../../../src/api/context.js';
import { AppError, ERROR_CODES, statusOf, VfsError, type ErrorCode } from '../../../src/lib/errors.js';
import { createLogger } from '../../../src/lib/log.js';
import { DavError, davErrorResponse } from '../../../protocols/webdav/errors.js';
import { mapTusError } from '../../../protocols/tus/server.js';

/** The statuses clients rely on, written out so a change to the table shows up here. */
const EXPECTED: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PARENT_MISSING: 409,
  NOT_A_DIRECTORY: 409,
  IS_A_DIRECTORY: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  PRECONDITION_FAILED: 412,
  QUOTA_EXCEEDED: 507,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  LOCKED: 423,
  OFFSET_MISMATCH: 409,
  CHECKSUM_MISMATCH: 460,
  VALIDATION: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNSUPPORTED: 501,
  BAD_GATEWAY: 502,
  DEVICE_NOT_FOUND: 404,
  DEVICE_BUSY: 409,
  HW_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

describe('error codes: one status table and each edge’s exceptions', () => {
  it('the table gives every code its status', () => {
    expect(ERROR_CODES).to.have.members(Object.keys(EXPECTED));
    for (const code of ERROR_CODES) expect(statusOf(code), code).to.equal(EXPECTED[code]);
  });

  describe('admin API', () => {
    let server: http.Server;
    let base: string;
    before(async () => {
      const app = new Koa<ApiState>();
      app.use(errorMapper());
      app.use((ctx) => {
        const code = ctx.query.code as ErrorCode;
        throw new AppError(code, `refused with ${code}`, ctx.query.details ? { details: { size: 10 } } : {});
      });
      server = http.createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('answers each exposed code with its table status and {error: {code, message}}', async () => {
      for (const code of ERROR_CODES.filter((c) => c !== 'INTERNAL')) {
        const res = await fetch(`${base}/?code=${code}`);
        expect([res.status, await res.json()], code).to.deep.equal([EXPECTED[code], { error: { code, message: `refused with ${code}` } }]);
      }
    });

    it('passes details through and hides INTERNAL behind a generic 500', async () => {
      const detailed = await fetch(`${base}/?code=RANGE_NOT_SATISFIABLE&details=1`);
      expect([detailed.status, await detailed.json()]).to.deep.equal([
        416,
        { error: { code: 'RANGE_NOT_SATISFIABLE', message: 'refused with RANGE_NOT_SATISFIABLE', details: { size: 10 } } },
      ]);
      const internal = await fetch(`${base}/?code=INTERNAL`);
      const body = (await internal.json()) as { error: { code: string; message: string } };
      expect([internal.status, body.error.code]).to.deep.equal([500, 'INTERNAL']);
      expect(body.error.message).to.match(/^internal error/).and.not.contain('refused');
    });
  });

  describe('tus', () => {
    const logger = createLogger('silent');
    it('answers 413 for quota and the table status for every other exposed code', () => {
      expect(mapTusError(new VfsError('QUOTA_EXCEEDED', 'full'), logger)).to.deep.equal({ status_code: 413, body: 'full\n' });
      for (const code of ERROR_CODES.filter((c) => c !== 'QUOTA_EXCEEDED' && c !== 'INTERNAL')) {
        expect(mapTusError(new AppError(code, 'no'), logger)?.status_code, code).to.equal(EXPECTED[code]);
      }
      expect(mapTusError(new AppError('INTERNAL', 'secret'), logger)).to.deep.equal({ status_code: 500, body: 'internal error\n' });
    });
  });

  describe('WebDAV', () => {
    it('answers a DavError with exactly its code’s status, whatever the method', () => {
      expect(davErrorResponse(new DavError('UNSUPPORTED_MEDIA_TYPE', 'gzip'), 'put').status).to.equal(415);
      expect(davErrorResponse(new DavError('RANGE_NOT_SATISFIABLE', 'range'), 'read').status).to.equal(416);
      expect(davErrorResponse(new DavError('METHOD_NOT_ALLOWED', 'exists'), 'mkcol').status).to.equal(405);
      expect(davErrorResponse(new DavError('NOT_FOUND', 'outside the root'), 'put').status).to.equal(404);
      const finite = davErrorResponse(new DavError('FORBIDDEN', 'no infinity', 'propfind-finite-depth'));
      expect(finite.status).to.equal(403);
      expect(finite.body).to.contain('<D:propfind-finite-depth>');
    });

    it('keeps RFC 4918’s per-method statuses for errors from below and the table otherwise', () => {
      const answers = ([
        ['NOT_FOUND', 'put', 409],
        ['NOT_FOUND', 'read', 404],
        ['ALREADY_EXISTS', 'mkcol', 405],
        ['ALREADY_EXISTS', 'copymove', 412],
        ['IS_A_DIRECTORY', 'put', 405],
        ['CHECKSUM_MISMATCH', 'put', 400],
        ['QUOTA_EXCEEDED', 'put', 507],
        ['LOCKED', 'other', 423],
      ] as const).map(([code, op]) => davErrorResponse(new VfsError(code, 'x'), op).status);
      expect(answers).to.deep.equal([409, 404, 405, 412, 405, 400, 507, 423]);
      expect(davErrorResponse(new Error('boom')).status).to.equal(500);
    });
  });
});
