import type { ContentHashes } from '../../src/vfs/index.js';

/** ownCloud's namespace: rclone (`vendor = owncloud`) asks for `oc:checksums` in PROPFIND. */
export const OC_NS = 'http://owncloud.org/ns';

/** Whether a property name is ownCloud's `checksums`. */
export function isChecksums(ns: string, local: string): boolean {
  return ns === OC_NS && local === 'checksums';
}

/**
 * `oc:checksums` as ownCloud answers it: one `oc:checksum` element holding space-separated
 * `TYPE:hex` pairs. rclone takes MD5 and SHA-1 from it and compares the first type both sides
 * have (MD5 for a local disk).
 */
export function checksumsXml(hashes: ContentHashes): string {
  return `<checksums xmlns="${OC_NS}"><checksum>SHA1:${hashes.sha1} MD5:${hashes.md5}</checksum></checksums>`;
}

/** The empty element, for a 404 propstat or a propname answer. */
export const CHECKSUMS_NAME = `<checksums xmlns="${OC_NS}"/>`;
