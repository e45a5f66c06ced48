/** Device names Windows reserves with or without an extension; no Windows client can open them. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Why Windows could not use `name` as a file or share name, or `null` when it can. File names
 * are not held to this (Samba mangles them for SMB clients); names nasd itself hands to every
 * protocol, such as share names, are.
 */
export function windowsNameProblem(name: string): string | null {
  if (WINDOWS_RESERVED.test(name)) return `"${name}" is a device name reserved by Windows`;
  if (name.endsWith('.') || name.endsWith(' ')) return 'the name must not end with a dot or a space (Windows cannot open it)';
  return null;
}
