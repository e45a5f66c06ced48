import { z } from 'zod';

const applyResult = z.object({
  at: z.number(),
  installed: z.boolean(),
  reloaded: z.boolean(),
  testparm: z.string(),
  error: z.string().optional(),
});

export const smbStatusView = z.object({
  enabled: z.boolean(),
  offReason: z.enum(['not-installed', 'config', 'admin']).nullable(),
  samba: z.object({ installed: z.boolean(), version: z.string().optional(), running: z.boolean().optional(), message: z.string().optional() }),
  includeFile: z.string(),
  lastResult: applyResult.optional(),
  shares: z.array(
    z.object({ name: z.string(), readers: z.array(z.string()), writers: z.array(z.string()), browseable: z.boolean(), recycleBin: z.boolean(), timeMachine: z.boolean() }),
  ),
  users: z.array(
    z.object({
      username: z.string(),
      account: z.string().nullable(),
      disabled: z.boolean(),
      readOnly: z.boolean(),
      needsAppPassword: z.boolean(),
      lastSync: z.object({ action: z.string(), at: z.number(), error: z.string().optional() }).optional(),
    }),
  ),
});

export const smbConfigView = z.object({ text: z.string().nullable() });
export const smbSwitchBody = z.object({ enabled: z.boolean() }).strict();

/** GET /api/me/connect: what the Connect wizard needs for SMB, for the caller only. */
export const connectView = z.object({
  smb: z.object({ enabled: z.boolean(), shares: z.array(z.string()), needsAppPassword: z.boolean() }),
});
