import { BaseModel } from './base.js';

/** A row of `recovery_codes`: one single-use 2FA recovery code, stored as its sha256. */
export class RecoveryCodeModel extends BaseModel {
  static override tableName = 'recovery_codes';

  id!: number;
  userId!: number;
  codeHash!: string;
  createdAt!: number;
  usedAt!: number | null;
}
