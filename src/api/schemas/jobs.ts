import { z } from 'zod';

/** Request and response schemas of /api/jobs (strict: unknown fields → 400). */

export const jobName = z
  .object({ name: z.string().max(64).regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/, 'a job name is dotted lower-case words (storage.reconcile)') })
  .strict();

export const executionId = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

export const executionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** GET /api/jobs/executions: every job's history, optionally one job's and/or one outcome's. */
export const historyQuery = z
  .object({
    job: jobName.shape.name.optional(),
    status: z.enum(['queued', 'running', 'ok', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const updateJobBody = z
  .object({
    enabled: z.boolean().optional(),
    /** Milliseconds, or words: "15 minutes", "6 hours", "1 day"; at least one minute. */
    interval: z.union([z.number().int(), z.string().min(1).max(64)]).optional(),
  })
  .strict()
  .refine((b) => b.enabled !== undefined || b.interval !== undefined, 'give enabled and/or interval');

export const executionView = z.object({
  id: z.number().int(),
  job: z.string(),
  trigger: z.enum(['schedule', 'manual', 'retry']),
  status: z.enum(['queued', 'running', 'ok', 'failed']),
  queuedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  progress: z.number().nullable(),
  message: z.string().nullable(),
  report: z.unknown(),
  requestedBy: z.string().nullable(),
  retryOf: z.number().nullable(),
});

export const jobView = z.object({
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  intervalMs: z.number(),
  interval: z.string(),
  nextRunAt: z.number().nullable(),
  lastRun: executionView.nullable(),
  current: executionView.nullable(),
});

export const runAccepted = z.object({ executionId: z.number().int(), job: z.string(), status: z.literal('queued') });
