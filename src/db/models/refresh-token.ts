import { BaseModel } from './base.js';

/** A row of `refresh_tokens`: one opaque token (stored as its sha256) in a rotation family. */
export class RefreshTokenModel extends BaseModel {
  static override tableName = 'refresh_tokens';
  static override idColumn = 'jti';

  jti!: string;
  familyId!: string;
  userId!: number;
  tokenHash!: string;
  sessionStartedAt!: number;
  createdAt!: number;
  expiresAt!: number;
  /** When it was exchanged for a new token; presenting it again is a reuse. */
  usedAt!: number | null;
  revokedAt!: number | null;
  userAgent!: string | null;
  address!: string | null;
}
