import { z } from 'zod';
import type { RaidService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';
import { deviceName } from './hardware.js';

const sync = z
  .object({
    action: z.enum(['resync', 'recovery', 'check', 'repair', 'reshape']),
    percent: z.number().nullable(),
    speedKiBs: z.number().nullable(),
    finishMinutes: z.number().nullable(),
    status: z.enum(['running', 'delayed', 'pending']),
  })
  .nullable();
const array = z.object({
  name: z.string(),
  level: z.string().nullable(),
  state: z.string(),
  sizeBytes: z.number().nullable(),
  degraded: z.boolean(),
  disks: z.object({ active: z.number(), total: z.number(), failed: z.number(), spare: z.number() }),
  members: z.array(z.object({ device: z.string(), slot: z.number().nullable(), role: z.enum(['active', 'spare', 'faulty']) })),
  sync,
});
const backend = z.enum(['real', 'simulated']);
const arrayParams = z.object({ name: deviceName }).strict();
const memberParams = z.object({ name: deviceName, device: deviceName }).strict();

/**
 * /api/raid: md arrays, free devices, and the actions (scrub start/stop, fail, remove, add,
 * replace). Admin only; every action is audited; the backend refuses what would lose data (409).
 */
export function raidRoutes(router: ApiRouter, raid: RaidService): void {
  router.route(
    { method: 'get', path: '/arrays', summary: 'md arrays with level, state, size, members and sync progress', auth: 'admin', response: z.object({ backend, arrays: z.array(array) }) },
    () => raid.list(),
  );
  router.route(
    {
      method: 'get', path: '/arrays/:name', summary: 'One array with mdadm --detail facts and the last mismatch count', auth: 'admin', params: arrayParams,
      response: array.extend({ backend, raidDevices: z.number().nullable(), uuid: z.string().nullable(), metadata: z.string().nullable(), mismatchCount: z.number().nullable(), syncAction: z.string().nullable() }),
    },
    (_ctx, { params }) => raid.get(params.name),
  );
  router.route(
    { method: 'get', path: '/candidates', summary: 'Block devices free to add to an array (not mounted, not in use, not in an array)', auth: 'admin', response: z.object({ backend, devices: z.array(z.string()) }) },
    () => raid.candidates(),
  );
  router.route(
    { method: 'post', path: '/arrays/:name/scrub', summary: 'Start a scrub (check) of an idle, complete array', auth: 'admin', params: arrayParams, status: 202 },
    async (_ctx, { params, actor }) => {
      await raid.startScrub(actor, params.name);
      return raid.get(params.name);
    },
  );
  router.route(
    { method: 'delete', path: '/arrays/:name/scrub', summary: 'Stop a running check or repair', auth: 'admin', params: arrayParams },
    async (_ctx, { params, actor }) => {
      await raid.stopScrub(actor, params.name);
      return raid.get(params.name);
    },
  );
  router.route(
    { method: 'post', path: '/arrays/:name/members/:device/fail', summary: 'Mark a member faulty (refused when the array would lose data)', auth: 'admin', params: memberParams },
    async (_ctx, { params, actor }) => {
      await raid.failMember(actor, params.name, params.device);
      return raid.get(params.name);
    },
  );
  router.route(
    { method: 'delete', path: '/arrays/:name/members/:device', summary: 'Remove a faulty or spare member', auth: 'admin', params: memberParams },
    async (_ctx, { params, actor }) => {
      await raid.removeMember(actor, params.name, params.device);
      return raid.get(params.name);
    },
  );
  router.route(
    {
      method: 'post', path: '/arrays/:name/members', summary: 'Add a free device (a degraded array rebuilds onto it), or replace a member with it', auth: 'admin',
      params: arrayParams, body: z.object({ device: deviceName, replace: deviceName.optional() }).strict(), status: 202,
    },
    async (_ctx, { params, body, actor }) => {
      if (body.replace) await raid.replaceMember(actor, params.name, body.replace, body.device);
      else await raid.addMember(actor, params.name, body.device);
      return raid.get(params.name);
    },
  );
}
