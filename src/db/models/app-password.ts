import { BaseModel } from './base.js';

/** A row of `app_passwords`: a per-device password for WebDAV/SMB Basic auth. */
export class AppPasswordModel extends BaseModel {
  static override tableName = 'app_passwords';

  id!: number;
  userId!: number;
  name!: string;
  lookupPrefix!: string;
  passwordHash!: string;
  createdAt!: number;
  lastUsedAt!: number | null;
  lastUsedAddress!: string | null;
  revokedAt!: number | null;
}
