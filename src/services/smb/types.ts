import type { SmbModel } from './model.js';

/** What one validation/installation/reload of the generated configuration did. */
export interface SmbApplyResult {
  at: number;
  /** Whether the file now in place is this configuration. */
  installed: boolean;
  reloaded: boolean;
  /** testparm's messages (stderr). */
  testparm: string;
  error?: string;
}

/** Samba accounts of nasd users (implemented over the privileged helper). */
export interface SmbAccountPort {
  setPassword(username: string, password: string): Promise<void>;
  setEnabled(username: string, enabled: boolean): Promise<void>;
  remove(username: string): Promise<void>;
}

/** Whether Samba is on this machine, as found at start. */
export interface SambaProbe {
  installed: boolean;
  version?: string;
  running?: boolean;
  message?: string;
}

/** The parts of the SMB protocol module the sync drives (wired in main.ts). */
export interface SmbBackend<R extends { conf: string } = { conf: string }> {
  render(model: SmbModel): R;
  apply(rendered: R): Promise<SmbApplyResult>;
  /** Installs a configuration with no shares (SMB turned off). */
  applyEmpty(): Promise<SmbApplyResult>;
  probe(): Promise<SambaProbe>;
  accounts: SmbAccountPort;
}

/** Per-user SMB state as the API shows it. */
export interface SmbUserState {
  username: string;
  /** The Unix/passdb account, or null when the name is too long for one. */
  account: string | null;
  disabled: boolean;
  /** Over quota: SMB gives read access only until usage is under the quota again. */
  readOnly: boolean;
  /** With 2FA only an SMB app password opens SMB. */
  needsAppPassword: boolean;
  /** The last account operation that reached Samba (or failed), and when. */
  lastSync?: { action: string; at: number; error?: string };
}

/** Per-share SMB state: who may connect, who may write. */
export interface SmbShareState {
  name: string;
  readers: string[];
  writers: string[];
  browseable: boolean;
  recycleBin: boolean;
  timeMachine: boolean;
}

/** Everything `/api/smb` reports. */
export interface SmbStatus {
  enabled: boolean;
  /** Why SMB is off: Samba missing, NASD_SMB=off, or an administrator's PUT /api/smb; null when on. */
  offReason: 'not-installed' | 'config' | 'admin' | null;
  samba: SambaProbe;
  includeFile: string;
  lastResult?: SmbApplyResult;
  shares: SmbShareState[];
  users: SmbUserState[];
}

/** What one user needs to know to connect over SMB (the Connect wizard), without anyone else's state. */
export interface SmbUserAccess {
  /** SMB is on and this user has a working Samba account. */
  enabled: boolean;
  /** nasd shares this user may open over SMB (besides `home`). */
  shares: string[];
  /** 2FA is on: only an app password created for SMB opens it. */
  needsAppPassword: boolean;
}
