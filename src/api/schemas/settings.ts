import { z } from 'zod';
import { sessionView } from './identity.js';

/** Response schemas of /api/settings and /api/sessions. */

export const settingView = z.object({
  setting: z.string(),
  env: z.string().nullable(),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]),
  secret: z.boolean(),
});

export const settingsView = z.object({
  settings: z.array(settingView),
  telemetryRetentionSeconds: z.object({ raw: z.number(), minute: z.number(), hour: z.number() }),
});

export const adminSessionView = sessionView.extend({ userId: z.number().int(), username: z.string() });
