import { expect } from 'chai';
import { VfsError } from '../../../src/lib/errors.js';
import { baseName, isSameOrBelow, joinPath, normalizePath, parentPath, validateName } from '../../../src/vfs/path.js';
import { POSIX_NAMES } from '../../fixtures/posix-names.js';
import { TRAVERSAL_CORPUS } from '../../fixtures/traversal-corpus.js';

function rejection(raw: string): VfsError {
  try {
    normalizePath(raw);
  } catch (err) {
    return err as VfsError;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('vfs/path normalizePath', () => {
  for (const raw of TRAVERSAL_CORPUS) {
    it(`rejects ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`, () => {
      const err = rejection(raw);
      expect(err).to.be.instanceOf(VfsError);
      expect(err.code).to.equal('VALIDATION');
      expect(err.message).to.be.a('string').and.not.equal('');
    });
  }

  it('collapses empty segments and trailing slashes', () => {
    expect(normalizePath('').path).to.equal('/');
    expect(normalizePath('/').path).to.equal('/');
    expect(normalizePath('//home///docs/').path).to.equal('/home/docs');
    expect(normalizePath('home/docs').segments).to.deep.equal(['home', 'docs']);
  });

  it('keeps Unicode exactly as given (NFC and NFD stay distinct)', () => {
    const nfc = 'caf\u00e9';
    const nfd = 'cafe\u0301';
    expect(normalizePath(`/home/${nfc}`).path).to.equal(`/home/${nfc}`);
    expect(normalizePath(`/home/${nfd}`).path).to.equal(`/home/${nfd}`);
    expect(normalizePath(`/home/${nfd}`).path).to.not.equal(normalizePath(`/home/${nfc}`).path);
    for (const name of ['😀 party.txt', '中文文件名.doc', '日本語', 'Ünïcödé', 'a b', "it's", '100% done', '50%off', '%20x', 'a..b', '...x', '.hidden', 'con-fig', 'COM10', 'lpt', 'a:b']) {
      expect(normalizePath(`/home/${name}`).segments[1]).to.equal(name);
    }
  });

  it('accepts every POSIX name a WebDAV listing can carry, unchanged', () => {
    for (const name of POSIX_NAMES) {
      expect(normalizePath(`/home/${name}`).segments, JSON.stringify(name)).to.deep.equal(['home', name]);
      expect(validateName(name)).to.equal(name);
    }
  });

  it('accepts names of exactly 255 bytes and refuses 256', () => {
    expect(() => validateName('a'.repeat(255))).not.to.throw();
    expect(() => validateName('é'.repeat(127) + 'a')).not.to.throw();
    expect(() => validateName('a'.repeat(256))).to.throw(VfsError, /255 bytes/);
  });

  it('says which rule was broken', () => {
    expect(rejection('/home/../x').message).to.match(/"\.\." segments/);
    expect(rejection('/home/a\u0000').message).to.match(/control characters/);
    expect(rejection('/home/x\ud800').message).to.match(/not valid Unicode/);
    expect(rejection('/home/x\ufffd').message).to.match(/not valid UTF-8/);
    expect(rejection(`/home/${'a'.repeat(256)}`).message).to.match(/at most 255 bytes/);
    expect(rejection(`/home/${'a/'.repeat(2100)}`).message).to.match(/at most 4096 bytes/);
  });
});

describe('vfs/path helpers', () => {
  it('joins, splits and compares normalized paths', () => {
    expect(joinPath('/', 'home')).to.equal('/home');
    expect(joinPath('/home', 'x')).to.equal('/home/x');
    expect(() => joinPath('/home', '..')).to.throw(VfsError);
    expect(parentPath('/home/x/y')).to.equal('/home/x');
    expect(parentPath('/home')).to.equal('/');
    expect(parentPath('/')).to.equal('/');
    expect(baseName('/home/x')).to.equal('x');
    expect(baseName('/')).to.equal('');
    expect(isSameOrBelow('/home/x', '/home')).to.equal(true);
    expect(isSameOrBelow('/home', '/home')).to.equal(true);
    expect(isSameOrBelow('/homes', '/home')).to.equal(false);
    expect(isSameOrBelow('/anything', '/')).to.equal(true);
  });
});
