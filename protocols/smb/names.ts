/** Unix accounts nasd creates for Samba are `nasd-<user>`; useradd allows 32 characters. */
export const UNIX_PREFIX = 'nasd-';
const MAX_UNIX_NAME = 32;
const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * The Unix (and passdb) account of a nasd user, or undefined when there can be none: the name
 * would be too long, or itself starts with `nasd-` (it would read as another user's account).
 */
export function unixAccountOf(username: string): string | undefined {
  if (!NAME.test(username) || username.startsWith(UNIX_PREFIX)) return undefined;
  const unix = UNIX_PREFIX + username;
  return unix.length <= MAX_UNIX_NAME ? unix : undefined;
}

/**
 * A user-typed text made safe as an smb.conf value: only letters, digits, spaces and a few
 * punctuation marks survive, so no newline, section bracket, `%` macro, backslash continuation
 * or `=` can reach the parser. Whitespace is collapsed; at most 120 characters.
 */
export function safeComment(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} .,:_()'!?&+@\/-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120)
    .trim();
}

/** Paths nasd writes into the config: absolute, plain characters only (no spaces, macros or quotes). */
export const SAFE_PATH = /^\/[A-Za-z0-9._\/+-]*$/;

/** A passdb name that never exists: client names mapped to it cannot sign in. */
export const NO_ACCOUNT = 'nasd-no-such-account';
