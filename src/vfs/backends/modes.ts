/**
 * Modes of what nasd creates, before the umask: with the service's umask (0027) folders are 0750
 * and files 0640; with UMask=0007 (the SMB drop-in) Samba's accounts, in the service's group,
 * can write them too.
 */
export const DIR_MODE = 0o770;
export const FILE_MODE = 0o660;
