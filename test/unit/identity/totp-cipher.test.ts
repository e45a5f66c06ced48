import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';
import { loadTotpKey, TotpSecretCipher, TotpSecretUnreadableError } from '../../../src/services/identity/totp-cipher.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function decryptError(cipher: TotpSecretCipher, stored: string, userId: number): unknown {
  try {
    cipher.decrypt(stored, userId);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('identity: TOTP secret cipher', () => {
  const cipher = new TotpSecretCipher(crypto.randomBytes(32));

  it('round-trips a secret, in the versioned format, with a fresh IV each time', () => {
    const a = cipher.encrypt(SECRET, 7);
    const b = cipher.encrypt(SECRET, 7);
    expect(a).to.match(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).to.not.contain(SECRET);
    expect(a).to.not.equal(b);
    expect(cipher.decrypt(a, 7)).to.equal(SECRET);
    expect(cipher.decrypt(b, 7)).to.equal(SECRET);
    expect(TotpSecretCipher.isLegacy(a)).to.equal(false);
  });

  it('passes a legacy plain-text secret through', () => {
    expect(TotpSecretCipher.isLegacy(SECRET)).to.equal(true);
    expect(cipher.decrypt(SECRET, 7)).to.equal(SECRET);
  });

  it('refuses another user id (the AAD), another key and tampered or malformed values', () => {
    const stored = cipher.encrypt(SECRET, 7);
    expect(decryptError(cipher, stored, 8)).to.be.instanceOf(TotpSecretUnreadableError);
    expect(decryptError(new TotpSecretCipher(crypto.randomBytes(32)), stored, 7)).to.be.instanceOf(TotpSecretUnreadableError);
    const [v, iv, tag, ct] = stored.split(':');
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] ^= 1;
    for (const bad of [
      [v, iv, tag, flipped.toString('base64')].join(':'),
      [v, iv, Buffer.alloc(16).toString('base64'), ct].join(':'),
      [v, Buffer.alloc(12).toString('base64'), tag, ct].join(':'),
      [v, iv, tag].join(':'),
      [v, iv, tag, ct, ct].join(':'),
      [v, iv.slice(4), tag, ct].join(':'),
      'v1:',
    ]) {
      const err = decryptError(cipher, bad, 7);
      expect(err, bad).to.be.instanceOf(TotpSecretUnreadableError);
      expect((err as Error).message).to.not.contain(SECRET);
    }
  });

  it('only takes a 32-byte key', () => {
    expect(() => new TotpSecretCipher(crypto.randomBytes(16))).to.throw(/32 bytes/);
  });
});

describe('identity: TOTP key', () => {
  it('is generated once into <dataDir>/totp-key with mode 0600 and then reused', () => {
    const tmp = makeTmpDir();
    try {
      const first = loadTotpKey(undefined, tmp.dir);
      const file = path.join(tmp.dir, 'totp-key');
      expect(first).to.have.length(32);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(loadTotpKey(undefined, tmp.dir).equals(first)).to.equal(true);
      fs.writeFileSync(file, 'c2hvcnQ=\n');
      expect(() => loadTotpKey(undefined, tmp.dir)).to.throw(/32 bytes in base64/);
    } finally {
      tmp.remove();
    }
  });

  it('comes from config or NASD_TOTP_KEY instead of the file when given, and must be 32 bytes base64', () => {
    const tmp = makeTmpDir();
    try {
      const key = crypto.randomBytes(32);
      const config = loadConfig({ NASD_TOTP_KEY: key.toString('base64') }, { dataDir: tmp.dir });
      expect(config.auth.totpKey).to.equal(key.toString('base64'));
      expect(loadTotpKey(config.auth.totpKey, tmp.dir).equals(key)).to.equal(true);
      expect(fs.existsSync(path.join(tmp.dir, 'totp-key'))).to.equal(false);
      expect(() => loadConfig({ NASD_TOTP_KEY: crypto.randomBytes(16).toString('base64') }, {})).to.throw();
      expect(() => loadConfig({}, { auth: { totpKey: 'not base64 at all!' } })).to.throw();
    } finally {
      tmp.remove();
    }
  });
});
