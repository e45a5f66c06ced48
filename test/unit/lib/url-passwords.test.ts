import { expect } from 'chai';
import { withoutUrlPasswords } from '../../../src/lib/url-passwords.js';

describe('withoutUrlPasswords', () => {
  it('hides the password of a postgres URL and keeps the rest', () => {
    expect(withoutUrlPasswords('postgres://nasd:secret@db.local:5432/nasd')).to.equal('postgres://nasd:***@db.local:5432/nasd');
    expect(withoutUrlPasswords('postgresql://nasd:@db.local/nasd?sslmode=require')).to.equal('postgresql://nasd:***@db.local/nasd?sslmode=require');
  });

  it('leaves URLs without a password as they are', () => {
    for (const url of ['postgres://nasd@db.local/nasd', 'postgresql://db.local:5432/nasd', 'postgres://db.local/nasd?user=a@b', 'sqlite:///var/lib/nasd/nasd.sqlite']) {
      expect(withoutUrlPasswords(url)).to.equal(url);
    }
  });

  it('hides a password with special characters whole, encoded or written raw', () => {
    expect(withoutUrlPasswords('postgres://nasd:p%40ss%2Fw%3Ard@db/nasd')).to.equal('postgres://nasd:***@db/nasd');
    const raw = withoutUrlPasswords('postgres://nasd:p@ss/w#r?d:x!@db:5432/nasd');
    expect(raw).to.equal('postgres://nasd:***@db:5432/nasd');
    for (const piece of ['p@ss', 'w#r', 'd:x!']) expect(raw).to.not.include(piece);
  });

  it('hides every URL password inside a message', () => {
    expect(withoutUrlPasswords('cannot connect to postgres://a:one@h1/d (then tried postgres://b:two@h2/d): timeout')).to.equal(
      'cannot connect to postgres://a:***@h1/d (then tried postgres://b:***@h2/d): timeout',
    );
  });

  it('leaves text without URLs alone', () => {
    for (const text of ['', 'connect ECONNREFUSED 127.0.0.1:5432', 'password authentication failed for user "nasd"', 'mail admin@example.com: a:b@c']) {
      expect(withoutUrlPasswords(text)).to.equal(text);
    }
  });
});
