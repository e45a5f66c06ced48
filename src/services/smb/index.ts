export { loadSmbModel, type SmbModel, type SmbShareFacts, type SmbUserFacts } from './model.js';
export { SmbSync, type SmbSyncOptions } from './sync.js';
export type { SambaProbe, SmbAccountPort, SmbApplyResult, SmbBackend, SmbShareState, SmbStatus, SmbUserAccess, SmbUserState } from './types.js';
export { SmbCatchUp, type SmbCatchUpOptions } from './catch-up.js';
export { cleanRecycleBins, type RecycleCleanupReport } from './recycle.js';
export { knexSmbSwitchStore, type SmbSwitchStore } from './switch-store.js';
export { SmbAuditReader, type SmbAuditReaderOptions } from './audit-reader.js';
export { SmbActivity } from './activity.js';
