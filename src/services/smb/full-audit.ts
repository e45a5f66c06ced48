/**
 * One operation Samba's `vfs_full_audit` logged (success only), with the prefix nasd configures
 * (`%u`, the Unix account that acted). Paths are absolute, as Samba names them on disk.
 */
export type FullAuditRecord =
  | { account: string; op: 'mkdirat' | 'unlinkat'; path: string }
  | { account: string; op: 'renameat'; path: string; to: string }
  | { account: string; op: 'create_file'; path: string; accessMask: number; kind: string; disposition: string };

/** What a chunk of the log held: the records, and how many bytes of it were consumed. */
export interface FullAuditChunk {
  records: FullAuditRecord[];
  consumed: number;
}

// Samba's debug header, then the message on the next line: `  nasd-alice|unlinkat|ok|/srv/x`.
const HEADER = /^\[\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)?,\s*\d+\] \S*vfs_full_audit\.c:\d+\(do_log\)$/;

/**
 * One message line. SMB clients cannot put `|` or control characters (newlines) into names
 * (Samba answers NT_STATUS_OBJECT_NAME_INVALID), so splitting on `|` is unambiguous.
 */
function parseMessage(line: string): FullAuditRecord | undefined {
  const fields = line.trim().split('|');
  const [account, op, result] = fields;
  if (result !== 'ok' || !account) return undefined;
  if ((op === 'mkdirat' || op === 'unlinkat') && fields.length === 4) return { account, op, path: fields[3]! };
  if (op === 'renameat' && fields.length === 5) return { account, op, path: fields[3]!, to: fields[4]! };
  if (op === 'create_file' && fields.length === 7) {
    const accessMask = Number.parseInt(fields[3]!, 16);
    if (!Number.isFinite(accessMask)) return undefined;
    return { account, op, accessMask, kind: fields[4]!, disposition: fields[5]!, path: fields[6]! };
  }
  return undefined;
}

/**
 * Parses the complete records at the start of `text` (Samba's log written with
 * `full_audit:syslog = false`). Stops before an unfinished line, and before a header whose
 * message has not been written yet, so the next read starts there; lines of other formats
 * are consumed and ignored.
 */
export function parseFullAudit(text: string): FullAuditChunk {
  const records: FullAuditRecord[] = [];
  let pos = 0;
  let consumed = 0;
  let pendingHeader = false;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const line = text.slice(pos, nl);
    if (HEADER.test(line)) {
      pendingHeader = true;
    } else {
      if (pendingHeader) {
        const record = parseMessage(line);
        if (record) records.push(record);
      }
      pendingHeader = false;
    }
    pos = nl + 1;
    if (!pendingHeader) consumed = pos;
  }
  return { records, consumed };
}
