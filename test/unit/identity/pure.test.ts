import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { generate } from 'otplib';
import { AccessTokens, loadJwtKey } from '../../../src/services/identity/access-tokens.js';
import { looksLikeAppPassword, normalizeAppPassword } from '../../../src/services/identity/app-passwords.js';
import { assertPasswordPolicy } from '../../../src/services/identity/passwords.js';
import { generatePassword, randomSymbols } from '../../../src/services/identity/secrets.js';
import { hashRecoveryCode, looksLikeTotpCode, newRecoveryCodes, verifyTotpCode } from '../../../src/services/identity/totp.js';
import { assertValidUsername } from '../../../src/services/identity/usernames.js';
import { nextGeneration } from '../../../src/services/identity/users.js';
import { AppError } from '../../../src/lib/errors.js';
import { makeTmpDir } from '../../helpers/tmp.js';

function throwsCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.code;
  }
}

async function rejectsCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.code;
  }
}

describe('identity: usernames and passwords', () => {
  it('accepts 1-32 characters of [a-z0-9._-] starting with a letter or digit', () => {
    for (const name of ['a', '0', 'alice', 'a.b_c-d', 'x'.repeat(32), '9lives']) expect(throwsCode(() => assertValidUsername(name)), name).to.equal(undefined);
  });

  it('rejects bad shapes and reserved names', () => {
    for (const name of ['', 'A', 'Alice', '.hidden', '_x', '-x', 'x'.repeat(33), 'a b', 'a/b', 'a\\b', 'é', 'a\0', 'root', 'nobody', 'homes', 'guest']) {
      expect(throwsCode(() => assertValidUsername(name)), JSON.stringify(name)).to.equal('VALIDATION');
    }
  });

  it('needs 8 characters and at most 72 bytes', () => {
    expect(throwsCode(() => assertPasswordPolicy('1234567'))).to.equal('VALIDATION');
    expect(throwsCode(() => assertPasswordPolicy('12345678'))).to.equal(undefined);
    expect(throwsCode(() => assertPasswordPolicy('ü'.repeat(37)))).to.equal('VALIDATION');
    expect(throwsCode(() => assertPasswordPolicy('x'.repeat(72)))).to.equal(undefined);
  });
});

describe('identity: secrets and codes', () => {
  it('draws random symbols from the 32-symbol alphabet', () => {
    const s = randomSymbols(2000);
    expect(s).to.match(/^[a-hjkmnp-z1-9]+$/);
    expect(new Set(s).size).to.equal(32);
    expect(generatePassword()).to.match(/^[a-hjkmnp-z1-9]{5}(-[a-hjkmnp-z1-9]{5}){3}$/);
    expect(generatePassword()).to.not.equal(generatePassword());
  });

  it('recognizes app passwords with or without dashes', () => {
    const secret = randomSymbols(24);
    expect(looksLikeAppPassword(secret)).to.equal(true);
    expect(looksLikeAppPassword(secret.match(/.{6}/g)!.join('-').toUpperCase())).to.equal(true);
    expect(normalizeAppPassword(' AB-cd ')).to.equal('abcd');
    expect(looksLikeAppPassword('short')).to.equal(false);
    expect(looksLikeAppPassword('o'.repeat(24))).to.equal(false);
  });

  it('makes ten distinct recovery codes whose hash ignores case and dashes', () => {
    const codes = newRecoveryCodes();
    expect(codes).to.have.length(10);
    expect(new Set(codes).size).to.equal(10);
    expect(codes[0]).to.match(/^[a-hjkmnp-z1-9]{4}(-[a-hjkmnp-z1-9]{4}){3}$/);
    expect(hashRecoveryCode(codes[0].toUpperCase().replace(/-/g, ' '))).to.equal(hashRecoveryCode(codes[0]));
    expect(hashRecoveryCode(codes[0])).to.not.equal(hashRecoveryCode(codes[1]));
  });

  it('moves the credential generation strictly forward', () => {
    expect(nextGeneration(100, 500)).to.equal(500);
    expect(nextGeneration(500, 500)).to.equal(501);
    expect(nextGeneration(900, 500)).to.equal(901);
  });
});

describe('identity: TOTP verification', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const now = 1_800_000_000_000;

  it('accepts the current code and one step either side, and returns its step', async () => {
    const step = Math.floor(now / 30_000);
    expect(await verifyTotpCode(secret, await generate({ secret, epoch: now / 1000 }), null, now)).to.equal(step);
    expect(await verifyTotpCode(secret, await generate({ secret, epoch: now / 1000 + 30 }), null, now)).to.equal(step + 1);
    expect(await verifyTotpCode(secret, await generate({ secret, epoch: now / 1000 - 30 }), null, now)).to.equal(step - 1);
    expect(await verifyTotpCode(secret, await generate({ secret, epoch: now / 1000 + 300 }), null, now)).to.equal(null);
  });

  it('refuses a code at or before the last accepted step (replay)', async () => {
    const step = Math.floor(now / 30_000);
    const code = await generate({ secret, epoch: now / 1000 });
    expect(await verifyTotpCode(secret, code, step, now)).to.equal(null);
    expect(await verifyTotpCode(secret, code, step - 1, now)).to.equal(step);
    expect(await verifyTotpCode(secret, code, step + 100, now)).to.equal(null);
  });

  it('only takes six digits as a TOTP code', () => {
    expect(looksLikeTotpCode('123456')).to.equal(true);
    expect(looksLikeTotpCode(' 123456 ')).to.equal(true);
    for (const v of ['12345', '1234567', 'abcdef', '12 3456']) expect(looksLikeTotpCode(v)).to.equal(false);
  });
});

describe('identity: access tokens', () => {
  const key = new TextEncoder().encode('k'.repeat(40));

  it('verifies its own tokens and refuses expired, tampered and foreign ones', async () => {
    let clock = 1_800_000_000_000;
    const tokens = new AccessTokens(key, 900, () => clock);
    const token = await tokens.sign({ userId: 7, sessionId: 'sess-1' });
    expect(await tokens.verify(token)).to.deep.equal({ userId: 7, sessionId: 'sess-1' });

    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')}.${s}`;
    expect(await rejectsCode(tokens.verify(tampered))).to.equal('UNAUTHENTICATED');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect(await rejectsCode(tokens.verify(none))).to.equal('UNAUTHENTICATED');
    const other = new AccessTokens(new TextEncoder().encode('o'.repeat(40)), 900, () => clock);
    expect(await rejectsCode(other.verify(token))).to.equal('UNAUTHENTICATED');
    expect(await rejectsCode(tokens.verify('garbage'))).to.equal('UNAUTHENTICATED');

    clock += 901_000;
    expect(await rejectsCode(tokens.verify(token))).to.equal('UNAUTHENTICATED');
  });

  it('creates the key file once with mode 0600 and prefers a configured key', () => {
    const tmp = makeTmpDir();
    try {
      const first = loadJwtKey(undefined, tmp.dir);
      const file = path.join(tmp.dir, 'jwt-secret');
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(Buffer.from(loadJwtKey(undefined, tmp.dir)).equals(Buffer.from(first))).to.equal(true);
      expect(new TextDecoder().decode(loadJwtKey('c'.repeat(32), tmp.dir))).to.equal('c'.repeat(32));
    } finally {
      tmp.remove();
    }
  });
});
