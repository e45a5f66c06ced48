import { z } from 'zod';
import type { SmartService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';
import { deviceName } from './hardware.js';

const backend = z.enum(['real', 'simulated']);
const attributeKey = z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)?$/, 'must be an attribute key like ata.199, nvme.media_errors or temperature').max(64);
const ack = z.object({ attribute: z.string(), value: z.number(), by: z.string(), at: z.number(), currentValue: z.number().nullable(), active: z.boolean() });
const disk = z.object({
  device: z.string(), model: z.string().nullable(), serial: z.string().nullable(), protocol: z.enum(['ata', 'nvme', 'scsi']),
  availability: z.enum(['available', 'standby', 'unsupported', 'error']), verdict: z.enum(['ok', 'warning', 'failing', 'unknown']),
  reasons: z.array(z.string()), temperatureC: z.number().nullable(), powerOnHours: z.number().nullable(), acknowledged: z.array(ack),
});
const deviceParams = z.object({ device: deviceName }).strict();
const timeRange = z
  .object({
    attribute: attributeKey.default('temperature'),
    from: z.coerce.number().int().min(0).optional(),
    to: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

/**
 * /api/smart: disks with verdicts (acknowledgements applied), one disk's attributes and
 * self-test log, self-tests, scans into history, history per attribute, acknowledgements.
 * Admin only; actions audited.
 */
export function smartRoutes(router: ApiRouter, smart: SmartService): void {
  router.route(
    { method: 'get', path: '/disks', summary: 'Disks with SMART verdict, reasons, temperature and power-on hours', auth: 'admin', response: z.object({ backend, disks: z.array(disk) }) },
    () => smart.list(),
  );
  router.route(
    { method: 'get', path: '/disks/:device', summary: 'One disk with all attributes, findings and the self-test log', auth: 'admin', params: deviceParams },
    (_ctx, { params }) => smart.get(params.device),
  );
  router.route(
    { method: 'post', path: '/disks/:device/self-test', summary: 'Start a short or long self-test', auth: 'admin', params: deviceParams, body: z.object({ kind: z.enum(['short', 'long']) }).strict(), status: 202 },
    async (_ctx, { params, body, actor }) => {
      await smart.startSelfTest(actor, params.device, body.kind);
      return { device: params.device, kind: body.kind, started: true };
    },
  );
  router.route(
    { method: 'post', path: '/scan', summary: 'Read every disk now and store the scan in the history', auth: 'admin' },
    () => smart.scan(),
  );
  router.route(
    { method: 'get', path: '/disks/:device/history', summary: 'One attribute of a disk over time (and the verdicts of its scans)', auth: 'admin', params: deviceParams, query: timeRange },
    (_ctx, { params, query }) => smart.history(params.device, query.attribute, query.from ?? 0, query.to ?? Number.MAX_SAFE_INTEGER, query.limit),
  );
  router.route(
    {
      method: 'post', path: '/disks/:device/acknowledgements', summary: 'Acknowledge a warning at its current value; it warns again only if the value grows', auth: 'admin',
      params: deviceParams, body: z.object({ attribute: attributeKey }).strict(), status: 201,
    },
    (_ctx, { params, body, actor }) => smart.acknowledge(actor, params.device, body.attribute),
  );
  router.route(
    { method: 'delete', path: '/disks/:device/acknowledgements/:attribute', summary: 'Withdraw an acknowledgement', auth: 'admin', params: z.object({ device: deviceName, attribute: attributeKey }).strict() },
    async (_ctx, { params, actor }) => {
      await smart.unacknowledge(actor, params.device, params.attribute);
    },
  );
}
