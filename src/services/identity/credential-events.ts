/** Who a credential event is about, as it stands after the change. */
export interface CredentialSubject {
  id: number;
  username: string;
  disabled: boolean;
  totpEnabled: boolean;
}

/**
 * What identity tells other modules about credentials once a change has committed. Protocols
 * with their own password store (Samba keeps NT hashes) can only learn a password at the moment
 * identity sees it in clear. Identity awaits each call, so a listener must not throw: it records
 * its own failures. main.ts wires the listener; identity never imports one.
 */
export interface CredentialEvents {
  /** The account password was set (user creation, change or reset). */
  accountPassword(user: CredentialSubject, password: string): Promise<void>;
  /** An app password for SMB was created; `password` as shown to the user. */
  smbAppPassword(user: CredentialSubject, password: string): Promise<void>;
  /** An SMB app password was revoked. */
  smbAppPasswordRevoked(user: CredentialSubject): Promise<void>;
  /** Disabled/enabled, or 2FA turned on/off. */
  statusChanged(user: CredentialSubject, change: 'disabled' | 'enabled' | 'totp-on' | 'totp-off'): Promise<void>;
  /** The account was deleted. */
  removed(user: CredentialSubject): Promise<void>;
}

const nothing = async (): Promise<void> => undefined;

/** The listener when nobody listens (the CLI, tests of identity alone). */
export const NO_CREDENTIAL_EVENTS: CredentialEvents = {
  accountPassword: nothing,
  smbAppPassword: nothing,
  smbAppPasswordRevoked: nothing,
  statusChanged: nothing,
  removed: nothing,
};

/** The subject of an event from a users row. */
export function subjectOf(u: { id: number; username: string; disabled: boolean; totpEnabled: boolean }): CredentialSubject {
  return { id: u.id, username: u.username, disabled: u.disabled, totpEnabled: u.totpEnabled };
}
