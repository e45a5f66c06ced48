export { loadSmbModel, type SmbModel, type SmbShareFacts, type SmbUserFacts } from './model.js';
export { SmbSync, type SambaProbe, type SmbAccountPort, type SmbApplyResult, type SmbBackend, type SmbStatus, type SmbShareState, type SmbSyncOptions, type SmbUserState } from './sync.js';
export { SmbCatchUp, type SmbCatchUpOptions } from './catch-up.js';
export { cleanRecycleBins, type RecycleCleanupReport } from './recycle.js';
