import { z } from 'zod';
import { summarizeConfig, type Config } from '../../config/index.js';
import type { Identity } from '../../services/identity/index.js';
import { TELEMETRY_RETENTION_MS } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';
import { sessionId } from '../schemas/identity.js';
import { adminSessionView, settingsView } from '../schemas/settings.js';

/**
 * /api/settings and /api/sessions (administrators): the configuration in effect (read-only: it
 * comes from the environment and NASD_CONFIG, and a restart applies changes; secrets only say
 * whether they are set), and every user's sessions, any of which an administrator can end.
 */
export function settingsRoutes(router: ApiRouter, config: Config, identity: Identity): void {
  router.route({ method: 'get', path: '/settings', summary: 'The configuration in effect (secrets only as set/unset) and built-in retention periods', auth: 'admin', response: settingsView }, () => ({
    settings: summarizeConfig(config),
    telemetryRetentionSeconds: { raw: TELEMETRY_RETENTION_MS.raw / 1000, minute: TELEMETRY_RETENTION_MS['1m'] / 1000, hour: TELEMETRY_RETENTION_MS['1h'] / 1000 },
  }));

  router.route(
    { method: 'get', path: '/sessions', summary: "Every user's active sessions (refresh-token families)", auth: 'admin', response: z.object({ items: z.array(adminSessionView) }) },
    async (_ctx, { principal }) => ({
      items: (await identity.sessions.listAllSessions()).map((s) => ({ ...s, current: s.id === principal.sessionId })),
    }),
  );

  router.route(
    { method: 'delete', path: '/sessions/:id', summary: "End any user's session: its refresh token and access tokens stop working at once", auth: 'admin', params: sessionId, status: 204 },
    async (_ctx, { params, actor }) => {
      await identity.sessions.revokeAnySession(params.id, actor);
    },
  );
}
