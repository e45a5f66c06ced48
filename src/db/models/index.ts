export { BaseModel } from './base.js';
export { UserModel, type UserRole } from './user.js';
export { RefreshTokenModel } from './refresh-token.js';
export { AppPasswordModel } from './app-password.js';
export { RecoveryCodeModel } from './recovery-code.js';
