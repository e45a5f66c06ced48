export type {
  Actor,
  ByteRange,
  DeadProperty,
  EntryStat,
  Principal,
  PropertyPatch,
  QuotaInfo,
  Vfs,
  VfsProtocol,
  WriteOptions,
  WriteResult,
} from './types.js';
