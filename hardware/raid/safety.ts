import { HardwareError } from '../../src/lib/errors.js';
import type { RaidArray, RaidArrayDetail, RaidMember } from '../types.js';

/**
 * Members an array of `level` can lose and still hold all data. raid10 is counted as surviving
 * one loss whatever its layout, because which second loss is fatal depends on the mirror pairs;
 * refusing there is the safe side.
 */
function tolerableLosses(level: string | null, raidDevices: number): number {
  switch (level) {
    case 'raid1':
      return raidDevices - 1;
    case 'raid4':
    case 'raid5':
    case 'raid10':
      return 1;
    case 'raid6':
      return 2;
    default:
      return 0; // raid0, linear, unknown: every member carries unique data
  }
}

function conflict(message: string): HardwareError {
  return new HardwareError('CONFLICT', message);
}

/** The member named `device`, or DEVICE_NOT_FOUND naming the members there are. */
export function findMember(array: RaidArray, device: string): RaidMember {
  const member = array.members.find((m) => m.device === device);
  if (!member) {
    const names = array.members.map((m) => m.device).join(', ') || 'none';
    throw new HardwareError('DEVICE_NOT_FOUND', `${device} is not a member of ${array.name} (members: ${names})`);
  }
  return member;
}

function requireRedundant(array: RaidArrayDetail, what: string): void {
  if (array.state === 'inactive') throw conflict(`${array.name} is inactive; assemble it before you ${what}`);
  if (tolerableLosses(array.level, array.raidDevices ?? Math.max(array.disks.total, 1)) === 0) {
    throw conflict(`${array.name} is ${array.level ?? 'of unknown level'} without redundancy: you cannot ${what} without losing data`);
  }
}

/** Refuses to fail a member when that would cost data: no redundancy, or no loss left to absorb. */
export function checkFail(array: RaidArrayDetail, device: string): void {
  const member = findMember(array, device);
  if (member.role === 'faulty') throw conflict(`${device} is already marked faulty in ${array.name}`);
  if (member.role === 'spare') return; // failing a spare loses nothing
  requireRedundant(array, 'fail a member');
  const slots = array.raidDevices ?? array.disks.total;
  const missing = slots - array.disks.active;
  const inSyncAfter = array.disks.active - 1;
  if (missing + 1 > tolerableLosses(array.level, slots) || inSyncAfter < 1) {
    throw conflict(
      `refusing to fail ${device}: ${array.name} (${array.level}) has ${array.disks.active} of ${slots} members in sync and would lose data without it`,
    );
  }
  if (array.sync && (array.sync.action === 'recovery' || array.sync.action === 'reshape') && array.sync.status === 'running' && missing > 0) {
    throw conflict(`refusing to fail ${device}: ${array.name} is rebuilding and needs every in-sync member until it finishes`);
  }
}

/** Only faulty members and spares can be removed (the kernel refuses active ones; removing a good member first needs `fail`). */
export function checkRemove(array: RaidArrayDetail, device: string): void {
  const member = findMember(array, device);
  if (member.role === 'active') {
    throw conflict(`${device} is an active member of ${array.name}: mark it faulty first (removing the last good member is refused)`);
  }
}

/** Adding a device needs an assembled, redundant array and a device that is free. */
export function checkAdd(array: RaidArrayDetail, device: string, candidates: string[]): void {
  requireRedundant(array, 'add a member');
  if (array.members.some((m) => m.device === device)) throw conflict(`${device} is already a member of ${array.name}`);
  if (!candidates.includes(device)) {
    throw new HardwareError(
      'DEVICE_NOT_FOUND',
      `${device} is not a free block device (free: ${candidates.join(', ') || 'none'}); devices that are mounted, in use or in an array cannot be added`,
    );
  }
}

/** Replacing needs the old member active and the array not already rebuilding. */
export function checkReplace(array: RaidArrayDetail, oldDevice: string, device: string, candidates: string[]): void {
  const member = findMember(array, oldDevice);
  checkAdd(array, device, candidates);
  if (member.role !== 'active') throw conflict(`${oldDevice} is ${member.role}: only an active member can be replaced (remove it and add ${device} instead)`);
  if (array.sync && array.sync.status === 'running') throw conflict(`${array.name} is busy with ${array.sync.action}; wait until it finishes`);
}

/** A scrub needs an idle, complete, redundant array. */
export function checkScrubStart(array: RaidArrayDetail): void {
  requireRedundant(array, 'scrub it');
  if (array.sync) throw new HardwareError('DEVICE_BUSY', `${array.name} is busy with ${array.sync.action} (${array.sync.status}); wait until it finishes`);
  if (array.degraded) throw conflict(`${array.name} is degraded: rebuild it before a scrub`);
}

/** Only a check or repair can be stopped; interrupting a rebuild would leave the array degraded longer. */
export function checkScrubStop(array: RaidArrayDetail): void {
  const action = array.sync?.action;
  if (action !== 'check' && action !== 'repair') throw conflict(`${array.name} is not scrubbing${action ? ` (it is running ${action}, which is not stopped from here)` : ''}`);
}
