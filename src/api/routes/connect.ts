import type { SmbSync } from '../../services/smb/index.js';
import type { ApiRouter } from '../api-router.js';
import { connectView } from '../schemas/smb.js';

/**
 * GET /api/me/connect: what a normal user needs to connect a device beyond WebDAV, which is
 * always there. `/api/smb` is for administrators; this tells the caller only about themselves:
 * whether SMB is on for them, the shares they may open, and whether 2FA makes an SMB app
 * password necessary.
 */
export function connectRoutes(router: ApiRouter, smb: SmbSync): void {
  router.route({ method: 'get', path: '/me/connect', summary: 'How the caller can connect: SMB on for them, their SMB shares', auth: 'user', response: connectView }, async (_ctx, { principal }) => ({
    smb: await smb.accessFor(principal.username),
  }));
}
