export { createTusHandler, mapTusError, type TusMountOptions, type TusTokenVerifier } from './server.js';
export { VfsDataStore } from './vfs-datastore.js';
