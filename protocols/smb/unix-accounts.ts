import fs from 'node:fs/promises';
import { UNIX_PREFIX } from './names.js';

/**
 * nasd usernames by the uid of their `nasd-<user>` account, from the passwd file (the helper
 * creates them with useradd, which writes there).
 */
export async function readAccountUids(passwdFile = '/etc/passwd'): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const text = await fs.readFile(passwdFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name?.startsWith(UNIX_PREFIX) && uid && /^\d+$/.test(uid)) out.set(Number(uid), name.slice(UNIX_PREFIX.length));
  }
  return out;
}
