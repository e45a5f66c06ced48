import { audited, type AuditLog } from '../../audit/index.js';
import type { RequestActor } from '../../lib/request-actor.js';
import type { BackendKind, RaidArray, RaidArrayDetail, RaidBackend } from '../../../hardware/index.js';

/**
 * RAID orchestration for the API: listing with the backend kind, and audited actions. The
 * backend validates names against its own listing and refuses what would lose data.
 */
export class RaidService {
  constructor(
    private readonly backend: RaidBackend,
    private readonly audit: AuditLog,
  ) {}

  get kind(): BackendKind {
    return this.backend.kind;
  }

  async list(): Promise<{ backend: BackendKind; arrays: RaidArray[] }> {
    return { backend: this.backend.kind, arrays: await this.backend.listArrays() };
  }

  async get(name: string): Promise<RaidArrayDetail & { backend: BackendKind }> {
    return { backend: this.backend.kind, ...(await this.backend.getArray(name)) };
  }

  async candidates(): Promise<{ backend: BackendKind; devices: string[] }> {
    return { backend: this.backend.kind, devices: await this.backend.listCandidates() };
  }

  startScrub(actor: RequestActor, name: string): Promise<void> {
    return audited(this.audit, actor, 'raid.scrub.start', name, {}, () => this.backend.startScrub(name));
  }

  stopScrub(actor: RequestActor, name: string): Promise<void> {
    return audited(this.audit, actor, 'raid.scrub.stop', name, {}, () => this.backend.stopScrub(name));
  }

  failMember(actor: RequestActor, name: string, device: string): Promise<void> {
    return audited(this.audit, actor, 'raid.member.fail', `${name}/${device}`, { device }, () => this.backend.failMember(name, device));
  }

  removeMember(actor: RequestActor, name: string, device: string): Promise<void> {
    return audited(this.audit, actor, 'raid.member.remove', `${name}/${device}`, { device }, () => this.backend.removeMember(name, device));
  }

  addMember(actor: RequestActor, name: string, device: string): Promise<void> {
    return audited(this.audit, actor, 'raid.member.add', `${name}/${device}`, { device }, () => this.backend.addMember(name, device));
  }

  replaceMember(actor: RequestActor, name: string, oldDevice: string, device: string): Promise<void> {
    return audited(this.audit, actor, 'raid.member.replace', `${name}/${oldDevice}`, { device, replaces: oldDevice }, () =>
      this.backend.replaceMember(name, oldDevice, device),
    );
  }
}
