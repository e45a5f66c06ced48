import { z } from 'zod';

/** Request and response schemas of /api/shares and /api/usage (strict: unknown fields → 400). */

const access = z.enum(['none', 'read', 'write', 'full']);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const shareId = z.object({ id: z.coerce.number().int().positive() }).strict();

export const shareView = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  ownerId: z.number().int(),
  sizeLimitBytes: z.number().nullable(),
  browseable: z.boolean(),
  recycleBin: z.boolean(),
  timeMachine: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  usedBytes: z.number(),
  files: z.number(),
  access,
});

export const createShareBody = z
  .object({
    name: z.string().min(1).max(64),
    description: z.string().max(512).optional(),
    ownerId: z.number().int().positive().optional(),
    sizeLimitBytes: bytes.nullable().optional(),
    browseable: z.boolean().optional(),
    recycleBin: z.boolean().optional(),
    timeMachine: z.boolean().optional(),
  })
  .strict();

export const updateShareBody = createShareBody.omit({ name: true }).strict();

export const deleteShareQuery = z.object({ deleteData: z.enum(['true', 'false']).optional() }).strict();

export const aclEntry = z.object({ userId: z.number().int().positive(), access }).strict();
export const aclBody = z.object({ entries: z.array(aclEntry).max(10_000) }).strict();
export const aclView = z.object({ items: z.array(z.object({ userId: z.number().int(), username: z.string(), access })) });

export const usageView = z.object({
  userId: z.number().int(),
  username: z.string(),
  usedBytes: z.number(),
  files: z.number(),
  reservedBytes: z.number(),
  quotaBytes: z.number().nullable(),
});
