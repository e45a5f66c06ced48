import { expect } from 'chai';
import { audited, auditedBy, type AuditEvent, type AuditLog } from '../../../src/audit/index.js';
import type { RequestActor } from '../../../src/lib/request-actor.js';

const ADMIN: RequestActor = { principal: { userId: 1, username: 'admin', isAdmin: true }, protocol: 'api', address: '192.0.2.5', userAgent: 'firefox' };

function recordingLog(): { log: AuditLog; events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { log: { record: async (e: AuditEvent) => void events.push(e) } as unknown as AuditLog, events };
}

describe('audit: one actor, one set of who/where fields', () => {
  it('names a principal by id and username, with the address and protocol', () => {
    expect(auditedBy(ADMIN)).to.deep.equal({ actor: { id: 1, name: 'admin' }, address: '192.0.2.5', protocol: 'api' });
  });

  it('names an operator without a principal (the CLI) by name only, and nobody as null', () => {
    expect(auditedBy({ principal: null, operator: 'cli:root', protocol: 'cli' })).to.deep.equal({ actor: { id: null, name: 'cli:root' }, address: null, protocol: 'cli' });
    expect(auditedBy({ principal: null, protocol: 'webdav', address: '198.51.100.1' })).to.deep.equal({ actor: null, address: '198.51.100.1', protocol: 'webdav' });
  });

  it('audited records success with the details, or failure with the error, and rethrows it', async () => {
    const { log, events } = recordingLog();
    expect(await audited(log, ADMIN, 'raid.scrub.start', 'md0', { kind: 'check' }, async () => 42)).to.equal(42);
    const refusal = new Error('md0 is resyncing');
    const thrown = await audited(log, ADMIN, 'raid.scrub.start', 'md0', {}, async () => {
      throw refusal;
    }).catch((err: unknown) => err);
    expect(thrown).to.equal(refusal);
    const who = { actor: { id: 1, name: 'admin' }, address: '192.0.2.5', protocol: 'api' };
    expect(events).to.deep.equal([
      { ...who, action: 'raid.scrub.start', target: 'md0', outcome: 'success', details: { kind: 'check' } },
      { ...who, action: 'raid.scrub.start', target: 'md0', outcome: 'failure', details: { error: 'md0 is resyncing' } },
    ]);
  });
});
