import { BaseModel } from './base.js';

/** A row of `app_passwords`: a per-device password for WebDAV/SMB Basic auth. */
export class AppPasswordModel extends BaseModel {
  static override tableName = 'app_passwords';
  static override booleanColumns = ['smb'];

  id!: number;
  userId!: number;
  name!: string;
  lookupPrefix!: string;
  passwordHash!: string;
  createdAt!: number;
  lastUsedAt!: number | null;
  lastUsedAddress!: string | null;
  revokedAt!: number | null;
  /** Also the user's SMB password (Samba got it in clear when it was created). */
  smb!: boolean;
}
