/**
 * Files macOS writes next to a user's own on any network volume: `.DS_Store` (Finder's view
 * settings for the folder) and `._<name>` (AppleDouble: extended attributes and resource fork of
 * `<name>`, on filesystems without them). WebDAV and SMB store them like any file, as Finder
 * needs them back; the file browser leaves them out of a listing and its count unless asked.
 */
export function isMacMetadata(name: string): boolean {
  return name === '.DS_Store' || (name.startsWith('._') && name.length > 2);
}
