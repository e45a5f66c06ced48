import { z } from 'zod';
import { FAMILIES, SEVERITIES } from '../../services/alerts/index.js';

const severity = z.enum(SEVERITIES as [string, ...string[]]);
const family = z.enum(FAMILIES as [string, ...string[]]);
const name = z.string().trim().min(1).max(128).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');
const secret = z.string().min(8, 'must be at least 8 characters').max(512);

export const alertId = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();
export const ruleParams = z.object({ rule: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'must be a rule id like raid.degraded').max(64) }).strict();

export const alertQuery = z
  .object({
    state: z.enum(['open', 'closed']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const snoozeBody = z
  .object({ minutes: z.number().int().min(1).max(60 * 24 * 90) })
  .strict();

const common = {
  name,
  minSeverity: severity.default('warning'),
  families: z.array(family).min(1).max(FAMILIES.length).nullable().default(null),
  enabled: z.boolean().default(true),
};

/** A channel: an e-mail channel (SMTP URL with the password, which is stored encrypted) or a webhook. */
export const channelBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('email'),
      ...common,
      smtpUrl: z.string().max(1024),
      from: z.string().min(3).max(320),
      to: z.array(z.email()).min(1).max(50),
    })
    .strict(),
  z
    .object({
      kind: z.literal('webhook'),
      ...common,
      url: z.string().max(2048),
      format: z.enum(['json', 'ntfy', 'gotify']).default('json'),
      hmacSecret: secret.optional(),
      token: z.string().min(1).max(512).optional(),
    })
    .strict(),
]);

export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();
