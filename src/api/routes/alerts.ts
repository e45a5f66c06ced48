import { audited, type AuditLog } from '../../audit/index.js';
import type { Alerts, ChannelInput } from '../../services/alerts/index.js';
import type { ApiRouter } from '../api-router.js';
import { alertId, alertQuery, channelBody, deliveriesQuery, ruleParams, snoozeBody } from '../schemas/alerts.js';

/**
 * /api/alerts: the in-app list (admins: every alert but a user's own; a user: their own quota
 * alerts), acknowledgement, rules with snoozes, channels with deliveries and "send test", and an
 * evaluation on request. Changes are audited.
 */
export function alertsRoutes(router: ApiRouter, alerts: Alerts, audit: AuditLog): void {
  router.route(
    { method: 'get', path: '/', summary: 'Alerts the caller may see, newest first (state open|closed, limit, offset)', auth: 'user', query: alertQuery },
    async (_ctx, { query, principal }) => ({ ...(await alerts.service.list(principal, query)), limit: query.limit, offset: query.offset }),
  );
  router.route(
    { method: 'get', path: '/counts', summary: 'Open and unacknowledged alert counts for the bell', auth: 'user' },
    (_ctx, { principal }) => alerts.service.counts(principal),
  );
  router.route(
    { method: 'get', path: '/rules', summary: 'Every alert rule with severity, what-to-do text and snooze', auth: 'admin' },
    async () => ({ rules: await alerts.service.rules() }),
  );
  router.route(
    { method: 'put', path: '/rules/:rule/snooze', summary: 'Silence a rule\u2019s notifications for some minutes (alerts still show in-app)', auth: 'admin', params: ruleParams, body: snoozeBody },
    (_ctx, { params, body, principal, actor }) =>
      audited(audit, actor, 'alerts.rule.snooze', params.rule, { minutes: body.minutes }, async () => {
        const until = Date.now() + body.minutes * 60_000;
        await alerts.service.snooze(params.rule, until, principal.username);
        return { rule: params.rule, snoozedUntil: until };
      }),
  );
  router.route(
    { method: 'delete', path: '/rules/:rule/snooze', summary: 'End a rule\u2019s snooze', auth: 'admin', params: ruleParams },
    async (_ctx, { params, actor }) => {
      await audited(audit, actor, 'alerts.rule.unsnooze', params.rule, {}, () => alerts.service.unsnooze(params.rule));
    },
  );
  router.route(
    { method: 'post', path: '/evaluate', summary: 'Evaluate every condition now (the loop does it periodically)', auth: 'admin' },
    async () => ({ unreadable: await alerts.evaluate() }),
  );
  router.route(
    { method: 'get', path: '/channels', summary: 'Notification channels (secrets are never shown) with their last delivery', auth: 'admin' },
    async () => ({ channels: await alerts.channels.list() }),
  );
  router.route(
    { method: 'post', path: '/channels', summary: 'Add an e-mail or webhook channel', auth: 'admin', body: channelBody, status: 201 },
    (_ctx, { body, actor }) => audited(audit, actor, 'alerts.channel.create', body.name, { kind: body.kind }, () => alerts.channels.create(body as ChannelInput)),
  );
  const channelId = alertId;
  router.route(
    { method: 'put', path: '/channels/:id', summary: 'Replace a channel (a secret left out keeps its stored value)', auth: 'admin', params: channelId, body: channelBody },
    (_ctx, { params, body, actor }) =>
      audited(audit, actor, 'alerts.channel.update', String(params.id), { kind: body.kind }, () => alerts.channels.replace(params.id, body as ChannelInput)),
  );
  router.route(
    { method: 'delete', path: '/channels/:id', summary: 'Delete a channel and its delivery log', auth: 'admin', params: channelId },
    async (_ctx, { params, actor }) => {
      await audited(audit, actor, 'alerts.channel.delete', String(params.id), {}, () => alerts.channels.remove(params.id));
    },
  );
  router.route(
    { method: 'post', path: '/channels/:id/test', summary: 'Send a test notification now and report the outcome', auth: 'admin', params: channelId },
    (_ctx, { params, actor }) => audited(audit, actor, 'alerts.channel.test', String(params.id), {}, () => alerts.channels.test(params.id)),
  );
  router.route(
    { method: 'get', path: '/channels/:id/deliveries', summary: 'A channel\u2019s delivery outcomes, newest first', auth: 'admin', params: channelId, query: deliveriesQuery },
    async (_ctx, { params, query }) => ({ deliveries: await alerts.channels.deliveries(params.id, query.limit) }),
  );
  router.route(
    { method: 'get', path: '/:id', summary: 'One alert', auth: 'user', params: alertId },
    (_ctx, { params, principal }) => alerts.service.get(params.id, principal),
  );
  router.route(
    { method: 'post', path: '/:id/ack', summary: 'Acknowledge an alert: it stays open without reminders (an event alert closes)', auth: 'user', params: alertId },
    (_ctx, { params, principal, actor }) =>
      audited(audit, actor, 'alerts.ack', String(params.id), {}, () => alerts.service.acknowledge(params.id, principal)),
  );
}
