/**
 * Everything from `scheme://user:` up to the last `@` of that run of non-space characters: a
 * password written raw, with `@`, `/`, `#` or `?` in it, is still hidden whole (hiding a little
 * more of an odd URL is the safe side to err on).
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)\S*@/gi;

/** `scheme://user:password@host` → `scheme://user:***@host`, for every URL in `text` (a message or one URL). */
export function withoutUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@');
}
