import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve('hardware');
const ALLOWED_OUTSIDE = new Set([path.resolve('src/lib/exec.ts'), path.resolve('src/lib/errors.ts')]);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('hardware/: dependency rule', () => {
  it('imports only node built-ins, its own files, src/lib/exec.ts and src/lib/errors.ts', () => {
    const offences: string[] = [];
    for (const file of files(ROOT)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
        const spec = m[1];
        if (spec.startsWith('node:')) continue;
        const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts') : spec;
        if (target.startsWith(ROOT + path.sep) || ALLOWED_OUTSIDE.has(target)) continue;
        offences.push(`${path.relative('.', file)} imports ${spec}`);
      }
    }
    expect(offences).to.deep.equal([]);
  });
});
