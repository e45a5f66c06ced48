import { AppError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { NoticeAlert, NoticeEvent } from './channels/message.js';
import type { Notifier } from './notifier.js';
import { findRule, RULES, titleOf, type AlertRule } from './rules.js';
import type { AlertRecord, AlertStore } from './store.js';

/** Damping and reminder timing. */
export interface AlertTiming {
  /** A condition must stay gone this long before its alert closes (flapping stays one open alert). */
  clearAfterMs: number;
  /** Open, unacknowledged critical alerts are repeated in one digest at most this often. */
  reminderEveryMs: number;
}

/** Who asks: an admin sees every alert but the ones addressed to a user alone; a user sees their own. */
export interface AlertViewer {
  userId: number;
  username: string;
  isAdmin: boolean;
}

/** The small interface other parts (SMB, identity events, jobs) report conditions through. */
export interface AlertReporter {
  /** The condition of `ruleId` holds for `key` (idempotent: an open alert is only refreshed). */
  raise(ruleId: string, key: string, details?: Record<string, unknown>, options?: { userId?: number | null }): Promise<void>;
  /** The condition no longer holds for `key` (the alert closes after the damping time). */
  clear(ruleId: string, key: string): Promise<void>;
}

const ADMIN_RULES = RULES.filter((r) => r.audience !== 'user').map((r) => r.id);

/**
 * Opens, refreshes, closes and acknowledges alerts, and tells the notifier about the moments
 * that matter: an alert opening (unless its rule is snoozed), a severe one closing, a daily digest
 * of open criticals. Nothing is sent while an alert merely stays open.
 */
export class AlertService implements AlertReporter {
  constructor(
    private readonly store: AlertStore,
    private readonly notifier: Notifier,
    private readonly timing: AlertTiming,
    private readonly logger: Logger,
    private readonly pageUrl: string | null,
    private readonly now: () => number = Date.now,
  ) {}

  private rule(ruleId: string): AlertRule {
    const rule = findRule(ruleId);
    if (!rule) throw new AppError('INTERNAL', `unknown alert rule ${ruleId}`);
    return rule;
  }

  async raise(ruleId: string, key: string, details: Record<string, unknown> = {}, options: { userId?: number | null } = {}): Promise<void> {
    const rule = this.rule(ruleId);
    const now = this.now();
    const open = await this.store.open(ruleId, key);
    if (open) {
      await this.store.update(open.id, { lastSeenAt: now, details, clearingSince: null });
      return;
    }
    const alert = await this.store.insertOpen({
      ruleId, key, severity: rule.severity, state: 'open', title: titleOf(rule, key), details, userId: options.userId ?? null, openedAt: now, lastSeenAt: now,
    });
    if (!alert) return; // another process opened it a moment ago and notifies
    this.logger.info({ rule: ruleId, key, severity: rule.severity }, 'alert opened');
    await this.notify(rule, alert, 'opened');
  }

  async clear(ruleId: string, key: string): Promise<void> {
    const rule = this.rule(ruleId);
    const open = await this.store.open(ruleId, key);
    if (!open) return;
    const now = this.now();
    const since = open.clearingSince ?? now;
    if (now - since < this.timing.clearAfterMs) {
      if (open.clearingSince === null) await this.store.update(open.id, { clearingSince: now });
      return;
    }
    await this.close(rule, open, now);
  }

  private async close(rule: AlertRule, alert: AlertRecord, now: number): Promise<void> {
    if (!(await this.store.closeIfOpen(alert.id, now))) return;
    this.logger.info({ rule: rule.id, key: alert.key }, 'alert closed');
    if (rule.notifyOnClose) await this.notify(rule, { ...alert, state: 'closed', closedAt: now }, 'resolved');
  }

  /**
   * Makes the open alerts of a condition rule match `active` (key → details): new keys open,
   * present ones refresh, missing ones clear. Used by the evaluation loop once per cycle.
   */
  async reconcile(ruleId: string, active: Map<string, { details: Record<string, unknown>; userId?: number | null }>): Promise<void> {
    for (const [key, v] of active) await this.raise(ruleId, key, v.details, { userId: v.userId });
    for (const open of await this.store.openOf([ruleId])) if (!active.has(open.key)) await this.clear(ruleId, open.key);
  }

  private async notify(rule: AlertRule, alert: AlertRecord, event: NoticeEvent): Promise<void> {
    // In-app only: alerts for a user alone, and the alerting system's own (a failing channel).
    if (rule.audience === 'user' || rule.family === 'alerts') return;
    if ((await this.store.snoozes(this.now())).has(rule.id)) return;
    await this.notifier.broadcast({ event, alerts: [noticeOf(rule, alert)], pageUrl: this.pageUrl, sentAt: this.now() });
  }

  /** Sends one digest of open, unacknowledged critical alerts not repeated for `reminderEveryMs`. */
  async remind(): Promise<number> {
    const now = this.now();
    const snoozed = await this.store.snoozes(now);
    const due = (await this.store.openOf(ADMIN_RULES)).filter(
      (a) => a.severity === 'critical' && a.ackedAt === null && !snoozed.has(a.ruleId) && now - (a.remindedAt ?? a.openedAt) >= this.timing.reminderEveryMs,
    );
    const claimed: AlertRecord[] = [];
    for (const a of due) if (await this.store.claimReminder(a.id, a.remindedAt, now)) claimed.push(a);
    if (claimed.length === 0) return 0;
    await this.notifier.broadcast({ event: 'reminder', alerts: claimed.map((a) => noticeOf(this.rule(a.ruleId), a)), pageUrl: this.pageUrl, sentAt: now });
    return claimed.length;
  }

  private async visible(id: number, viewer: AlertViewer): Promise<AlertRecord> {
    const alert = await this.store.get(id);
    const rule = alert && findRule(alert.ruleId);
    const mine = alert && alert.userId === viewer.userId && rule?.audience !== 'admins';
    if (!alert || !rule || !(mine || (viewer.isAdmin && rule.audience !== 'user'))) throw new AppError('NOT_FOUND', `no alert ${id}`);
    return alert;
  }

  /** Acknowledges an alert: it stays open but is no longer repeated; an event alert closes. */
  async acknowledge(id: number, viewer: AlertViewer): Promise<AlertView> {
    const alert = await this.visible(id, viewer);
    if (alert.state === 'closed') throw new AppError('CONFLICT', `alert ${id} is already closed`);
    if (alert.ackedAt !== null) throw new AppError('CONFLICT', `alert ${id} was already acknowledged by ${alert.ackedBy}`);
    const now = this.now();
    const rule = this.rule(alert.ruleId);
    const patch = rule.kind === 'event' ? { ackedAt: now, ackedBy: viewer.username, state: 'closed' as const, closedAt: now } : { ackedAt: now, ackedBy: viewer.username };
    await this.store.update(id, patch);
    return present({ ...alert, ...patch });
  }

  /** The alerts a viewer may see, newest first. */
  async list(viewer: AlertViewer, q: { state?: 'open' | 'closed'; limit: number; offset: number }): Promise<{ items: AlertView[]; total: number }> {
    const res = viewer.isAdmin
      ? await this.store.list({ ...q, adminAudienceRules: ADMIN_RULES })
      : await this.store.list({ ...q, forUserId: viewer.userId, adminAudienceRules: RULES.filter((r) => r.audience !== 'admins').map((r) => r.id) });
    return { items: res.items.map(present), total: res.total };
  }

  async get(id: number, viewer: AlertViewer): Promise<AlertView> {
    return present(await this.visible(id, viewer));
  }

  /** Counts for the bell: open alerts, and how many of them nobody acknowledged yet. */
  async counts(viewer: AlertViewer): Promise<{ open: number; unacknowledged: number; critical: number }> {
    const { items } = await this.list(viewer, { state: 'open', limit: 1000, offset: 0 });
    return { open: items.length, unacknowledged: items.filter((a) => a.ackedAt === null).length, critical: items.filter((a) => a.severity === 'critical').length };
  }

  /** Every rule with its snooze. */
  async rules(): Promise<(AlertRule & { snoozedUntil: number | null; snoozedBy: string | null })[]> {
    const snoozes = await this.store.snoozes(this.now());
    return RULES.map((r) => ({ ...r, snoozedUntil: snoozes.get(r.id)?.until ?? null, snoozedBy: snoozes.get(r.id)?.by ?? null }));
  }

  /** Silences a rule's notifications until `until` (its alerts still open and close in-app). */
  async snooze(ruleId: string, until: number, by: string): Promise<void> {
    if (!findRule(ruleId)) throw new AppError('NOT_FOUND', `no alert rule ${ruleId}`);
    if (until <= this.now()) throw new ValidationError('until must be in the future');
    await this.store.snooze(ruleId, until, by);
  }

  async unsnooze(ruleId: string): Promise<void> {
    if (!findRule(ruleId)) throw new AppError('NOT_FOUND', `no alert rule ${ruleId}`);
    if (!(await this.store.unsnooze(ruleId))) throw new AppError('NOT_FOUND', `rule ${ruleId} is not snoozed`);
  }
}

/** An alert as the API shows it: the record plus its rule's family and what-to-do text. */
export type AlertView = AlertRecord & { family: string; whatToDo: string };

function present(a: AlertRecord): AlertView {
  const rule = findRule(a.ruleId);
  return { ...a, family: rule?.family ?? 'alerts', whatToDo: rule?.whatToDo ?? '' };
}

function noticeOf(rule: AlertRule, a: AlertRecord): NoticeAlert {
  return { id: a.id, ruleId: rule.id, family: rule.family, severity: a.severity, key: a.key, title: a.title, whatToDo: rule.whatToDo, state: a.state, openedAt: a.openedAt, closedAt: a.closedAt, details: a.details };
}
