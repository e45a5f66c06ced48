import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { renderAvahiService, renderSmbConfig, safeComment, unixAccountOf, type SmbRenderOptions } from '../../../protocols/smb/index.js';
import type { SmbModel, SmbShareFacts, SmbUserFacts } from '../../../src/services/smb/index.js';
import { requireSambaTool, testparm } from '../../helpers/samba.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const GOLDEN = path.resolve('test/fixtures/smb.conf');

function user(username: string, over: Partial<SmbUserFacts> = {}): SmbUserFacts {
  return { id: username.length, username, isAdmin: false, disabled: false, totpEnabled: false, quotaBytes: null, usedBytes: 0, ...over };
}

function share(name: string, over: Partial<SmbShareFacts> = {}): SmbShareFacts {
  return { id: 1, name, description: '', browseable: true, recycleBin: false, timeMachine: false, sizeLimitBytes: null, readers: [], writers: [], ...over };
}

const OPTIONS: SmbRenderOptions = { storageRoot: '/srv/nasd/storage', usernameMapFile: '/var/lib/nasd/samba/nasd.conf.usermap', dfreeCommand: '/var/lib/nasd/samba/nasd-dfree', auditLogFile: '/var/lib/nasd/samba/nasd.conf.audit.log' };

const MODEL: SmbModel = {
  users: [
    user('admin', { isAdmin: true }),
    user('alice', { quotaBytes: 1000, usedBytes: 10 }),
    user('bob', { quotaBytes: 1000, usedBytes: 1000 }),
    user('carol', { disabled: true }),
    user('dave'),
  ],
  shares: [
    share('media', { description: 'Films & music', readers: ['admin', 'alice', 'bob', 'carol', 'dave'], writers: ['admin', 'alice', 'bob'] }),
    share('backup', { browseable: false, recycleBin: true, timeMachine: true, readers: ['admin', 'alice'], writers: ['admin', 'alice'] }),
    share('private', { readers: ['carol'], writers: ['carol'] }),
  ],
};

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, actual);
  expect(actual).to.equal(fs.readFileSync(file, 'utf8'));
}

/** The parsed share part of `testparm -s` output (its [global] part lists host defaults). */
function parsedShares(conf: string): string {
  const tmp = makeTmpDir('nasd-smb-render-');
  try {
    const file = path.join(tmp.dir, 'smb.conf');
    fs.writeFileSync(file, conf);
    const r = testparm(file);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).not.to.match(/Unknown parameter|Ignoring unknown/);
    return r.stdout.slice(r.stdout.indexOf('\n[', r.stdout.indexOf('[global]') + 1));
  } finally {
    tmp.remove();
  }
}

describe('smb render', () => {
  it('renders home, shares, read/write lists, flags and the username map (golden)', () => {
    const out = renderSmbConfig(MODEL, OPTIONS);
    golden('nasd.conf', out.conf);
    golden('nasd.conf.usermap', out.usernameMap);
  });

  it('renders the opt-in [global] part (golden)', () => {
    const out = renderSmbConfig(MODEL, { ...OPTIONS, globals: { encryption: 'desired', disableNetbios: true }, timeMachineMaxSize: '2T' });
    golden('nasd-globals.conf', out.conf);
  });

  it('renders the Avahi service file with the Time Machine shares (golden)', () => {
    golden('nasd.avahi.service', renderAvahiService(MODEL, { webdavPort: 8080 }));
    expect(renderAvahiService({ shares: [] }, { webdavPort: 8080 })).not.to.include('_adisk._tcp');
  });

  it('gives disabled users no access and no map entry, and users over quota only read access', () => {
    const { conf, usernameMap } = renderSmbConfig(MODEL, OPTIONS);
    expect(usernameMap).not.to.include('carol');
    expect(conf).not.to.include('nasd-carol');
    const media = conf.slice(conf.indexOf('[media]'), conf.indexOf('[backup]'));
    expect(media).to.match(/write list = nasd-admin nasd-alice\n/);
    expect(media).to.match(/read list = nasd-bob nasd-dave\n/);
    const home = conf.slice(conf.indexOf('[home]'), conf.indexOf('[media]'));
    expect(home).to.match(/read list = nasd-bob\n/);
    // A share nobody enabled may read is closed, not open to all (an empty `valid users` means everybody).
    expect(conf.slice(conf.indexOf('[private]'))).to.match(/valid users = nasd-nobody-may-connect\n/);
  });

  it('refuses paths and share names it cannot write safely', () => {
    expect(() => renderSmbConfig(MODEL, { ...OPTIONS, storageRoot: '/srv/my files' })).to.throw(/storage root/);
    expect(() => renderSmbConfig(MODEL, { ...OPTIONS, storageRoot: '/srv/%U' })).to.throw(/storage root/);
    expect(() => renderSmbConfig({ users: [], shares: [share('x]\n[y')] }, OPTIONS)).to.throw(/share name/);
  });

  it('maps users to nasd-<user> accounts only when the name fits in 32 characters', () => {
    expect(unixAccountOf('alice')).to.equal('nasd-alice');
    expect(unixAccountOf('a'.repeat(27))).to.equal(`nasd-${'a'.repeat(27)}`);
    expect(unixAccountOf('a'.repeat(28))).to.equal(undefined);
    expect(unixAccountOf('Alice')).to.equal(undefined);
    expect(unixAccountOf('nasd-bob'), 'would read as the account of bob').to.equal(undefined);
  });

  describe('injection corpus in share comments', () => {
    const corpus = [
      'line one\n[evil]\npath = /',
      'x\r\n   include = /etc/shadow',
      'trailing backslash continues the line \\\n   path = /etc',
      '%U %S %m %(SHELL) %$(HOME)',
      '] [global] ]',
      'comment = nested = values ; # not a comment',
      'unicode line separator\u2028[evil]\u2029path = /',
      'NUL\u0000byte\u0001ctl\u007f',
      'vfs objects = recycle\n\tguest ok = yes',
      '"quoted" `backticks` $(id) ${HOME} | & > <',
      'a'.repeat(10_000),
    ];

    it('strips everything but plain text from a comment', () => {
      for (const text of corpus) {
        const safe = safeComment(text);
        expect(safe, JSON.stringify(text)).to.match(/^[\p{L}\p{N} .,:_()'!?&+@/-]*$/u);
        expect(safe.length).to.be.at.most(120);
      }
      expect(safeComment('Films & music (2024)')).to.equal('Films & music (2024)');
    });

    it('never changes the parsed configuration (testparm -s compared)', function () {
      if (!requireSambaTool(this, 'testparm')) return;
      const withDescription = (description: string): SmbModel => ({ ...MODEL, shares: MODEL.shares.map((s) => ({ ...s, description })) });
      const reference = parsedShares(renderSmbConfig(withDescription('plain'), OPTIONS).conf);
      const sectionsOf = (parsed: string) => [...parsed.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);
      for (const text of corpus) {
        const parsed = parsedShares(renderSmbConfig(withDescription(text), OPTIONS).conf);
        expect(sectionsOf(parsed), JSON.stringify(text)).to.deep.equal(sectionsOf(reference));
        // Only the comment lines may differ, each still one line.
        expect(parsed.match(/^\s*comment = /gm)?.length, JSON.stringify(text)).to.equal(reference.match(/^\s*comment = /gm)?.length);
        const withoutComments = (p: string) => p.replace(/^\s*comment = .*$/gm, '');
        expect(withoutComments(parsed), JSON.stringify(text)).to.equal(withoutComments(reference));
      }
    });
  });
});
