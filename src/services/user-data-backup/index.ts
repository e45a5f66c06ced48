export { BACKUP_FAILED_RULE, UserDataBackup, type UserDataBackupOptions, type UserDataBackupReport } from './job.js';
