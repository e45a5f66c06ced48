import { auditedBy, type AuditLog } from '../../audit/index.js';
import type { SmbSync } from '../../services/smb/index.js';
import type { ApiRouter } from '../api-router.js';
import { smbConfigView, smbStatusView, smbSwitchBody } from '../schemas/smb.js';

/**
 * /api/smb (administrators): whether Samba is installed and running, the last validation and
 * reload with testparm's message, per-share and per-user state, the generated configuration,
 * and the switch that turns SMB off (an include without shares) or on again.
 */
export function smbRoutes(router: ApiRouter, smb: SmbSync, audit: AuditLog): void {
  router.route({ method: 'get', path: '/', summary: 'SMB status: Samba, last apply result, shares and users', auth: 'admin', response: smbStatusView }, () => smb.status());

  router.route({ method: 'get', path: '/config', summary: 'The generated Samba include file (last one handed to testparm)', auth: 'admin', response: smbConfigView }, () => ({ text: smb.config() ?? null }));

  router.route(
    { method: 'put', path: '/', summary: 'Turn SMB on or off (off installs an include without shares)', auth: 'admin', body: smbSwitchBody, response: smbStatusView },
    async (_ctx, { body, actor }) => {
      await smb.setEnabled(body.enabled);
      const status = await smb.status();
      await audit.record({
        ...auditedBy(actor),
        action: body.enabled ? 'smb.enable' : 'smb.disable',
        outcome: status.enabled === body.enabled ? 'success' : 'failure',
        details: { samba: status.samba, lastResult: status.lastResult },
      });
      return status;
    },
  );

  router.route({ method: 'post', path: '/regenerate', summary: 'Regenerate, validate and install the configuration now', auth: 'admin', response: smbStatusView }, async () => {
    await smb.regenerate(true);
    return smb.status();
  });
}
