import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

/**
 * The dependency rule (a layer imports only lower ones: db and hardware, vfs, services, api and protocols, http, main), checked on every relative import of the code:
 * a module reaches another layer only through what that layer exposes, and never upwards.
 */
interface Rule {
  /** Files this rule governs (path prefix, repository-relative). */
  from: string;
  /** What their relative imports may name (path prefixes; an exact file when it ends in .ts). */
  allow: string[];
}

const SHARED = ['src/lib/', 'src/config/index.ts'];
const RULES: Rule[] = [
  { from: 'hardware/', allow: ['hardware/', 'src/lib/exec.ts', 'src/lib/errors.ts'] },
  { from: 'src/db/', allow: ['src/db/', ...SHARED] },
  { from: 'src/audit/', allow: ['src/audit/', ...SHARED] },
  { from: 'src/vfs/', allow: ['src/vfs/', 'src/db/index.ts', 'src/audit/index.ts', ...SHARED] },
  { from: 'src/scheduler/', allow: ['src/scheduler/', 'src/db/index.ts', 'src/audit/index.ts', 'src/vfs/index.ts', 'src/services/', 'hardware/types.ts', ...SHARED] },
  { from: 'src/services/', allow: ['src/services/', 'src/db/', 'src/audit/index.ts', 'src/vfs/index.ts', 'hardware/index.ts', 'hardware/types.ts', 'src/api/context.ts', ...SHARED] },
  { from: 'src/api/', allow: ['src/api/', 'src/vfs/index.ts', 'src/services/', 'src/audit/index.ts', 'src/scheduler/index.ts', 'hardware/types.ts', 'src/version.ts', ...SHARED] },
  { from: 'protocols/webdav/', allow: ['protocols/webdav/', 'src/vfs/index.ts', 'src/services/', ...SHARED] },
  { from: 'protocols/smb/', allow: ['protocols/smb/', 'src/vfs/index.ts', 'src/services/', ...SHARED] },
  { from: 'protocols/tus/', allow: ['protocols/tus/', 'src/vfs/index.ts', 'src/services/', 'src/api/context.ts', ...SHARED] },
];

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]);
  return specs.map((s) => path.relative('.', path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts'));
}

describe('architecture: dependency rule', () => {
  const files = ['src', 'protocols', 'hardware'].flatMap(sourceFiles).map((f) => path.relative('.', f));

  it('finds the code to check', () => {
    expect(files.length).to.be.greaterThan(100);
  });

  for (const rule of RULES) {
    it(`${rule.from} imports only ${rule.allow.join(', ')}`, () => {
      const offences = files
        .filter((f) => f.startsWith(rule.from))
        .flatMap((f) => relativeImports(f).filter((t) => !rule.allow.some((a) => (a.endsWith('.ts') ? t === a : t.startsWith(a)))).map((t) => `${f} -> ${t}`));
      expect(offences).to.deep.equal([]);
    });
  }

  it('code outside src/vfs reaches storage only through src/vfs/index.ts', () => {
    const offences = files
      .filter((f) => !f.startsWith('src/vfs/'))
      .flatMap((f) => relativeImports(f).filter((t) => t.startsWith('src/vfs/') && t !== 'src/vfs/index.ts').map((t) => `${f} -> ${t}`));
    expect(offences).to.deep.equal([]);
  });

  it('src/vfs/index.ts keeps the core private: no core, no backend class, services only as types', () => {
    const index = fs.readFileSync('src/vfs/index.ts', 'utf8');
    const statements = index.split(/;\s*\n/);
    expect(statements.filter((st) => /from '\.\/(core|backends\/(?!index)[^']*)\.js'/.test(st)), 'exports from core.ts or a backend file').to.deep.equal([]);
    const valueExports = statements.filter((st) => /^export \{/.test(st.trim())).join(' ');
    for (const name of ['VfsService', 'ShareService', 'VfsCore', 'LocalBackend', 'ReferenceBackend']) {
      expect(new RegExp(`[{,]\\s*${name}\\b`).test(valueExports), `${name} exported as a value`).to.equal(false);
    }
  });

  it('only the composition root and the CLI import protocol handlers', () => {
    const offences = files
      .filter((f) => !f.startsWith('protocols/') && f !== 'src/main.ts')
      .flatMap((f) => relativeImports(f).filter((t) => t.startsWith('protocols/')).map((t) => `${f} -> ${t}`));
    expect(offences).to.deep.equal([]);
  });
});
