/**
 * Ends BasicAuth's short trust in the credentials it cached. Identity calls `advance()` after it
 * commits anything that can end a credential (password, role, disable or enable, 2FA, app-password
 * revocation, deletion) and when it counts a failed check (a throttle may have started): a cached
 * credential confirmed before the last advance is checked against the database again. There is
 * one per identity (per nasd instance), so instances in one process do not share it; changes made
 * by other processes or instances reach the cache within BASIC_TRUST_MS.
 */
export class TrustEpoch {
  private value = 0;

  get current(): number {
    return this.value;
  }

  advance(): void {
    this.value++;
  }
}
