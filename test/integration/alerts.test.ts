import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, seed } from '../helpers/files.js';
import { startSmtpServer, startWebhookReceiver, type ReceivedMail, type ReceivedRequest } from '../helpers/receivers.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const HMAC_SECRET = 'webhook-test-secret-1';
const SMTP_USER = 'nasd-mailer';
const SMTP_PASS = 'smtp p@ss/word';

/**
 * Alerts end to end on the simulated hardware (manual clock): a real SMTP server and a local
 * webhook receiver get the notifications; evaluation is triggered through the API so every cycle
 * is deterministic.
 */
describeEachDb('alerts: conditions, notifications and channels', (kind) => {
  let srv: TestServer;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let webhookId: number;
  const call = (method: string, path: string, body?: unknown, token = admin) => api(srv.baseUrl, method, path, { token, body });
  const evaluate = async (times = 1) => {
    for (let i = 0; i < times; i++) expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
    await srv.nasd.alerts.idle(); // notifications are queued: wait until they were delivered
  };
  const openAlerts = async (token = admin) => (await call('GET', '/api/alerts/?state=open', undefined, token)).body.items as { id: number; ruleId: string; key: string }[];
  const raidHooks = () => hook.requests.filter((r) => r.path === '/raid');
  let mailMark = 0;
  let hookMark = 0;
  const newMails = (): ReceivedMail[] => smtp.mails.slice(mailMark);
  const newHooks = (): ReceivedRequest[] => raidHooks().slice(hookMark);
  const mark = () => {
    mailMark = smtp.mails.length;
    hookMark = raidHooks().length;
  };

  before(async function () {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    hook = await startWebhookReceiver();
    srv = await startTestServer(this, kind, {
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      alerts: {
        evaluateIntervalSeconds: 0,
        clearAfterSeconds: 0,
        smartMaxAgeSeconds: 0,
        deliveryAttempts: 3,
        retryBackoffMs: 20,
        pageUrl: 'https://nas.example.test/#/alerts',
        smtpUrl: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${smtp.port}`,
        smtpFrom: 'nasd@example.test',
        email: ['owner@example.test', 'second@example.test'],
      },
    });
    admin = (await loginAdmin(srv)).accessToken;
    const res = await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'raid hook', url: `${hook.url}/raid`, hmacSecret: HMAC_SECRET, families: ['raid'] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    webhookId = res.body.id;
    await evaluate(); // whatever the simulation starts with (sdb's CRC warning) opens now
  });
  after(async () => {
    await srv?.close();
    await smtp?.close();
    await hook?.close();
  });

  it('fails a member: one "degraded" alert, one e-mail, one signed webhook; the finished rebuild sends one "resolved" each', async () => {
    mark();
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    await evaluate(3);
    const degraded = (await openAlerts()).filter((a) => a.ruleId === 'raid.degraded');
    expect(degraded.map((a) => a.key)).to.deep.equal(['md0']);
    expect((await openAlerts()).filter((a) => a.ruleId === 'raid.member_failed'), 'the failed member is part of the degraded alert').to.have.length(0);

    let mails = newMails();
    expect(mails.map((m) => m.subject)).to.deep.equal(['nasd critical: RAID array md0 is degraded']);
    expect(mails[0].user).to.equal(SMTP_USER);
    expect(mails[0].to).to.have.members(['owner@example.test', 'second@example.test']);
    expect(mails[0].raw).to.include('What to do: The array runs without redundancy').and.include('https://nas.example.test/#/alerts').and.include('text/html');

    let posts = newHooks();
    expect(posts).to.have.length(1);
    const signed = posts[0];
    const expected = 'sha256=' + crypto.createHmac('sha256', HMAC_SECRET).update(`${signed.headers['x-nasd-timestamp']}.${signed.body}`).digest('hex');
    expect(signed.headers['x-nasd-signature']).to.equal(expected);
    const payload = JSON.parse(signed.body);
    expect(payload).to.deep.include({ schema: 'nasd.alert.v1', event: 'opened' });
    expect(payload.alerts[0]).to.deep.include({ rule: 'raid.degraded', severity: 'critical', key: 'md0', state: 'open', family: 'raid' });

    // Rebuild onto vdc; the array stays degraded until it finishes, and nothing more is sent meanwhile.
    expect((await call('DELETE', '/api/raid/arrays/md0/members/vdb')).status).to.equal(200);
    expect((await call('POST', '/api/raid/arrays/md0/members', { device: 'vdc' })).status).to.equal(202);
    await evaluate(2);
    expect((await openAlerts()).map((a) => a.ruleId)).to.include.members(['raid.degraded', 'raid.rebuilding']);
    expect(newMails(), 'the info-level rebuild alert stays in-app for a warning-level channel').to.have.length(1);
    expect(newHooks()).to.have.length(1);

    await call('POST', '/api/hardware/simulation', { advanceSeconds: 60 });
    await evaluate(3);
    expect((await openAlerts()).filter((a) => a.ruleId.startsWith('raid.'))).to.deep.equal([]);
    const closed = (await call('GET', '/api/alerts/?state=closed')).body.items.filter((a: { ruleId: string }) => a.ruleId === 'raid.degraded');
    expect(closed).to.have.length(1);
    expect(closed[0].closedAt).to.be.a('number');

    mails = newMails();
    expect(mails.map((m) => m.subject)).to.deep.equal(['nasd critical: RAID array md0 is degraded', 'nasd critical: Resolved: RAID array md0 is degraded']);
    expect(mails[1].raw).to.include('No action needed any more.');
    posts = newHooks();
    expect(posts.map((p) => JSON.parse(p.body).event)).to.deep.equal(['opened', 'resolved']);
    expect(posts.map((p) => JSON.parse(p.body).alerts[0].rule)).to.deep.equal(['raid.degraded', 'raid.degraded']);

    // Conditions that stay as they are send nothing more.
    await evaluate(3);
    expect(newMails()).to.have.length(2);
    expect(newHooks()).to.have.length(2);
  });

  it('repeats an open critical in one daily digest, and never after it was acknowledged', async () => {
    await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdc' } });
    await evaluate();
    const [alert] = (await openAlerts()).filter((a) => a.ruleId === 'raid.degraded');
    expect(alert).to.exist;
    mark();
    expect(await srv.nasd.alerts.service.remind(), 'not due yet').to.equal(0);
    const dayAgo = Date.now() - 25 * 3_600_000;
    await srv.nasd.db.knex('alerts').where({ id: alert.id }).update({ opened_at: dayAgo });
    expect(await srv.nasd.alerts.service.remind()).to.equal(1);
    expect(await srv.nasd.alerts.service.remind(), 'once per day').to.equal(0);
    await srv.nasd.alerts.idle();
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd: 1 critical alert still open']);

    const ack = await call('POST', `/api/alerts/${alert.id}/ack`);
    expect(ack.status).to.equal(200);
    expect(ack.body).to.deep.include({ state: 'open', ackedBy: 'admin' });
    expect((await call('POST', `/api/alerts/${alert.id}/ack`)).status).to.equal(409);
    await srv.nasd.db.knex('alerts').where({ id: alert.id }).update({ reminded_at: dayAgo });
    expect(await srv.nasd.alerts.service.remind()).to.equal(0);
    await evaluate(2);
    expect(newMails()).to.have.length(1);
    expect((await openAlerts()).some((a) => a.id === alert.id), 'acknowledged, still open').to.equal(true);
  });

  it('sends nothing for a snoozed rule but still shows its alert', async () => {
    const before = (await call('GET', '/api/alerts/rules')).body.rules;
    expect(before.find((r: { id: string }) => r.id === 'raid.degraded')).to.deep.include({ severity: 'critical', family: 'raid', snoozedUntil: null });
    expect((await call('PUT', '/api/alerts/rules/fans.failsafe/snooze', { minutes: 60 })).status).to.equal(200);
    expect((await call('PUT', '/api/alerts/rules/nope.rule/snooze', { minutes: 60 })).status).to.equal(404);
    expect((await call('PUT', '/api/alerts/rules/fans.failsafe/snooze', { minutes: 0 })).status).to.equal(400);
    const rules = (await call('GET', '/api/alerts/rules')).body.rules;
    expect(rules.find((r: { id: string }) => r.id === 'fans.failsafe').snoozedUntil).to.be.greaterThan(Date.now());
    mark();
    await srv.nasd.alerts.reporter.raise('fans.failsafe', 'sim.pwm9', { reason: 'test' });
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).some((a) => a.ruleId === 'fans.failsafe')).to.equal(true);
    expect(newMails()).to.have.length(0);
    expect((await call('DELETE', '/api/alerts/rules/fans.failsafe/snooze')).status).to.equal(204);
    expect((await call('DELETE', '/api/alerts/rules/fans.failsafe/snooze')).status).to.equal(404);
    await srv.nasd.alerts.reporter.clear('fans.failsafe', 'sim.pwm9');
    await srv.nasd.alerts.idle();
  });

  it('opens one alert and sends one mail when several reporters raise the same condition at once', async () => {
    mark();
    const raises = Array.from({ length: 5 }, () => srv.nasd.alerts.reporter.raise('smb.config_refused', 'smb.conf', { error: 'Unknown parameter' }));
    await Promise.all(raises);
    expect(await srv.nasd.db.knex('alerts').where({ rule_id: 'smb.config_refused', state: 'open' })).to.have.length(1);
    await srv.nasd.alerts.idle();
    expect(newMails()).to.have.length(1);
    await Promise.all(Array.from({ length: 5 }, () => srv.nasd.alerts.reporter.clear('smb.config_refused', 'smb.conf')));
    await srv.nasd.alerts.idle();
    expect(newMails().map((m) => m.subject), 'one resolved notice').to.deep.equal(['nasd critical: Samba refused the generated configuration', 'nasd critical: Resolved: Samba refused the generated configuration']);
  });

  it('a job that fails 3 times in a row opens a warning; its next success clears it', async () => {
    mark();
    for (let i = 0; i < 2; i++) srv.nasd.alerts.jobFinished('smart.scan', 'failed');
    srv.nasd.alerts.jobFinished('uploads.cleanup', 'failed');
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).filter((a) => a.ruleId === 'scheduler.job_failing')).to.deep.equal([]);
    srv.nasd.alerts.jobFinished('smart.scan', 'failed');
    srv.nasd.alerts.jobFinished('smart.scan', 'failed');
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).filter((a) => a.ruleId === 'scheduler.job_failing').map((a) => a.key)).to.deep.equal(['smart.scan']);
    srv.nasd.alerts.jobFinished('smart.scan', 'ok');
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).filter((a) => a.ruleId === 'scheduler.job_failing')).to.deep.equal([]);
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd warning: Job smart.scan failed several times in a row']);
  });

  it('takes reports from other parts (SMB) through raise/clear: one mail on open, one on close', async () => {
    mark();
    await srv.nasd.alerts.reporter.raise('smb.reload_failed', 'smbd', { error: 'smbcontrol: no such process' });
    await srv.nasd.alerts.reporter.raise('smb.reload_failed', 'smbd', { error: 'again' });
    await srv.nasd.alerts.reporter.clear('smb.reload_failed', 'smbd');
    await srv.nasd.alerts.idle();
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd critical: Samba did not reload its configuration', 'nasd critical: Resolved: Samba did not reload its configuration']);
  });

  it('a disk whose grown defects grow fast becomes failing: one critical mail; its static count had only warned', async () => {
    mark();
    await call('POST', '/api/hardware/simulation', { smartAttribute: { device: 'sde', attribute: 'scsi.grown_defects', value: 5 } });
    expect((await call('POST', '/api/smart/scan')).status).to.equal(200);
    await evaluate(2);
    expect((await openAlerts()).filter((a) => a.key === 'sde').map((a) => a.ruleId)).to.deep.equal(['smart.warning']);
    await call('POST', '/api/hardware/simulation', { smartAttribute: { device: 'sde', attribute: 'scsi.grown_defects', value: 15 } });
    await evaluate(2);
    expect((await openAlerts()).filter((a) => a.key === 'sde').map((a) => a.ruleId)).to.deep.equal(['smart.failing']);
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd warning: Disk sde shows SMART warnings', 'nasd critical: Disk sde is failing']);
    expect(newMails()[1].raw).to.include('15 grown defects, up 10 in 7 days');
  });

  it('a failed self-test opens one critical alert for that disk', async () => {
    mark();
    expect((await call('POST', '/api/smart/disks/sdd/self-test', { kind: 'short' })).status).to.equal(202);
    await call('POST', '/api/hardware/simulation', { advanceSeconds: 180 });
    await evaluate(2);
    expect((await openAlerts()).filter((a) => a.ruleId === 'smart.selftest_failed').map((a) => a.key)).to.deep.equal(['sdd']);
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd critical: A SMART self-test failed on sdd']);
  });

  describe('quota', () => {
    let alice: CreatedUser;
    let bob: CreatedUser;
    before(async () => {
      alice = await createUser(srv, admin, { username: 'alice', quotaBytes: 1000 });
      bob = await createUser(srv, admin, { username: 'bob', quotaBytes: 1000 });
      await seed(srv.nasd, actorOf(alice), { '/home/big.bin': Buffer.alloc(950, 1) });
      await seed(srv.nasd, actorOf(bob), { '/home/small.bin': Buffer.alloc(100, 1) });
    });

    it('a user at 90 % sees their own quota alert; other users and the admin list do not, and no mail goes out', async () => {
      mark();
      await evaluate();
      const mine = await openAlerts(alice.token);
      expect(mine.map((a) => `${a.ruleId}:${a.key}`)).to.deep.equal(['storage.quota_90:alice']);
      expect(await openAlerts(bob.token)).to.deep.equal([]);
      expect((await openAlerts()).some((a) => a.ruleId.startsWith('storage.quota'))).to.equal(false);
      expect((await call('GET', `/api/alerts/${mine[0].id}`, undefined, bob.token)).status).to.equal(404);
      expect((await call('POST', `/api/alerts/${mine[0].id}/ack`, undefined, bob.token)).status).to.equal(404);
      expect((await call('GET', '/api/alerts/counts', undefined, alice.token)).body).to.deep.equal({ open: 1, unacknowledged: 1, critical: 0 });
      expect((await call('POST', `/api/alerts/${mine[0].id}/ack`, undefined, alice.token)).status).to.equal(200);
      expect(newMails()).to.have.length(0);
    });

    it('a user past 100 % alerts the admins too (in-app and by mail), still not other users', async () => {
      mark();
      expect((await call('PATCH', `/api/users/${alice.id}`, { quotaBytes: 900 })).status).to.equal(200);
      await evaluate();
      expect((await openAlerts(alice.token)).map((a) => a.ruleId)).to.deep.equal(['storage.quota_100']);
      expect((await openAlerts()).filter((a) => a.ruleId === 'storage.quota_100').map((a) => a.key)).to.deep.equal(['alice']);
      expect(await openAlerts(bob.token)).to.deep.equal([]);
      expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd warning: User alice has used all of their quota']);
    });
  });

  it('a failing webhook receiver gets retries with growing waits, the channel shows the failure and an in-app alert opens', async () => {
    hook.setStatus('/down', 503);
    const created = await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'down hook', url: `${hook.url}/down`, format: 'ntfy', token: 'ntfy-token' });
    expect(created.status).to.equal(201);
    const test = await call('POST', `/api/alerts/channels/${created.body.id}/test`);
    expect(test.status).to.equal(200);
    expect(test.body).to.deep.equal({ ok: false, attempts: 3, error: 'the receiver answered 503' });
    const tries = hook.requests.filter((r) => r.path === '/down');
    expect(tries).to.have.length(3);
    expect(tries[0].headers.authorization).to.equal('Bearer ntfy-token');
    expect(tries[0].headers.title).to.match(/^nasd info: Test: /);
    expect(tries[1].at - tries[0].at).to.be.at.least(20);
    expect(tries[2].at - tries[1].at).to.be.at.least(40);
    const deliveries = (await call('GET', `/api/alerts/channels/${created.body.id}/deliveries`)).body.deliveries;
    expect(deliveries[0]).to.deep.include({ event: 'test', outcome: 'failure', attempts: 3, error: 'the receiver answered 503' });
    const channels = (await call('GET', '/api/alerts/channels')).body.channels;
    expect(channels.find((c: { id: number }) => c.id === created.body.id).lastDelivery).to.deep.include({ outcome: 'failure' });
    expect((await openAlerts()).filter((a) => a.ruleId === 'alerts.channel_failing').map((a) => a.key)).to.deep.equal(['down hook']);

    hook.setStatus('/down', 204);
    expect((await call('POST', `/api/alerts/channels/${created.body.id}/test`)).body).to.deep.equal({ ok: true, attempts: 1, error: null });
    expect((await openAlerts()).filter((a) => a.ruleId === 'alerts.channel_failing')).to.deep.equal([]);
  });

  it('a new administrator account raises a security alert that closes when acknowledged', async () => {
    mark();
    await createUser(srv, admin, { username: 'second_admin', role: 'admin' });
    await srv.nasd.alerts.idle();
    const [alert] = (await openAlerts()).filter((a) => a.ruleId === 'security.admin_created');
    expect(alert).to.deep.include({ key: 'second_admin' });
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd warning: New administrator account second_admin']);
    expect((await call('POST', `/api/alerts/${alert.id}/ack`)).body).to.deep.include({ state: 'closed' });
  });

  it('a reused refresh token raises one critical alert; 2FA disabled for an admin raises a warning', async () => {
    mark();
    const victim = await createUser(srv, admin, { username: 'victim' });
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: victim.refreshToken } })).status).to.equal(200);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: victim.refreshToken } })).status).to.equal(401);
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).filter((a) => a.ruleId === 'security.refresh_reuse').map((a) => a.key)).to.deep.equal(['victim']);
    expect(newMails().map((m) => m.subject)).to.deep.equal(['nasd critical: A stolen session token was used for victim']);

    await srv.nasd.audit.record({ action: 'auth.totp.disable', outcome: 'success', actor: { id: null, name: 'admin' }, target: 'admin' });
    await srv.nasd.audit.record({ action: 'auth.totp.disable', outcome: 'success', actor: { id: null, name: 'victim' }, target: 'victim' });
    await srv.nasd.alerts.idle();
    expect((await openAlerts()).filter((a) => a.ruleId === 'security.admin_2fa_disabled').map((a) => a.key), 'admins only').to.deep.equal(['admin']);
  });

  it('keeps channel secrets encrypted at rest and never shows them; the environment channel is read-only', async () => {
    const list = await call('GET', '/api/alerts/channels');
    const text = JSON.stringify(list.body);
    expect(text).not.to.include(HMAC_SECRET).and.not.to.include(SMTP_PASS).and.not.to.include(encodeURIComponent(SMTP_PASS));
    const env = list.body.channels.find((c: { source: string }) => c.source === 'env');
    expect(env).to.deep.include({ kind: 'email', name: 'e-mail (environment)', secretsSet: ['password'] });
    expect(env.settings.smtpUrl).to.equal(`smtp://${SMTP_USER}@127.0.0.1:${smtp.port}`);
    const hookView = list.body.channels.find((c: { id: number }) => c.id === webhookId);
    expect(hookView.secretsSet).to.deep.equal(['hmacSecret']);
    const rows = await srv.nasd.db.knex('alert_channels').select('secrets');
    const stored = JSON.stringify(rows);
    expect(stored).not.to.include(HMAC_SECRET).and.not.to.include(SMTP_PASS);
    for (const r of rows) expect(r.secrets).to.match(/^v1:/);
    // A sealed value moved onto another channel does not open there: that channel fails visibly, the others work.
    const envSecrets = (await srv.nasd.db.knex('alert_channels').where({ id: env.id }).first()).secrets;
    await srv.nasd.db.knex('alert_channels').where({ id: webhookId }).update({ secrets: envSecrets });
    const broken = (await call('GET', '/api/alerts/channels')).body.channels.find((c: { id: number }) => c.id === webhookId);
    expect(broken).to.deep.include({ secretsUnreadable: true, secretsSet: [] });
    expect((await call('POST', `/api/alerts/channels/${webhookId}/test`)).body).to.deep.include({ ok: false, attempts: 0 });
    const fixed = await call('PUT', `/api/alerts/channels/${webhookId}`, { kind: 'webhook', name: 'raid hook', url: `${hook.url}/raid`, hmacSecret: HMAC_SECRET, families: ['raid'] });
    expect(fixed.body).to.deep.include({ secretsUnreadable: false, secretsSet: ['hmacSecret'] });
    expect((await call('POST', `/api/alerts/channels/${webhookId}/test`)).body).to.deep.include({ ok: true });
    expect((await call('PUT', `/api/alerts/channels/${env.id}`, { kind: 'email', name: 'x', smtpUrl: 'smtp://a', from: 'ops@example.test', to: ['ops@example.test'] })).status).to.equal(409);
    expect((await call('DELETE', `/api/alerts/channels/${env.id}`)).status).to.equal(409);
  });

  it('validates channel input and keeps every admin endpoint from users and anonymous callers', async () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'webhook', name: 'x', url: 'file:///etc/passwd' }, /http/],
      [{ kind: 'webhook', name: 'x', url: 'http://user:pw@127.0.0.1/' }, /credentials/],
      [{ kind: 'webhook', name: 'x', url: 'not a url' }, /URL/],
      [{ kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', hmacSecret: 'short' }, /8 characters/],
      [{ kind: 'webhook', name: 'x'.repeat(129), url: 'http://127.0.0.1/' }, /name/],
      [{ kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', minSeverity: 'panic' }, /minSeverity/],
      [{ kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', families: ['nope'] }, /families/],
      [{ kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', headers: { a: 'b' } }, /headers|unrecognized/i],
      [{ kind: 'email', name: 'x', smtpUrl: 'http://mail', from: 'ops@example.test', to: ['ops@example.test'] }, /smtp/],
      [{ kind: 'email', name: 'x', smtpUrl: 'smtp://mail', from: 'ops@example.test', to: ['not-an-address'] }, /to/],
      [{ kind: 'email', name: 'x', smtpUrl: 'smtp://mail', from: 'ops@example.test', to: [] }, /to/],
      [{ kind: 'sms', name: 'x' }, /kind/],
    ];
    for (const [body, message] of bad) {
      const res = await call('POST', '/api/alerts/channels', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.message, JSON.stringify(body)).to.match(message);
    }
    expect((await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'raid hook', url: 'http://127.0.0.1/' })).status).to.equal(409);
    expect((await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'e-mail (environment)', url: 'http://127.0.0.1/' })).body.error.message).to.match(/reserved/);
    expect((await call('GET', '/api/alerts/abc')).status).to.equal(400);
    expect((await call('GET', '/api/alerts/999999')).status).to.equal(404);
    expect((await call('POST', '/api/alerts/channels/999999/test')).status).to.equal(404);

    const user = (await createUser(srv, admin, { username: 'plainuser' })).token;
    const adminOnly: [string, string, unknown?][] = [
      ['GET', '/api/alerts/rules'], ['PUT', '/api/alerts/rules/raid.degraded/snooze', { minutes: 5 }], ['DELETE', '/api/alerts/rules/raid.degraded/snooze'],
      ['POST', '/api/alerts/evaluate'], ['GET', '/api/alerts/channels'], ['POST', '/api/alerts/channels', { kind: 'webhook', name: 'u', url: 'http://127.0.0.1/' }],
      ['PUT', `/api/alerts/channels/${webhookId}`, { kind: 'webhook', name: 'u', url: 'http://127.0.0.1/' }], ['DELETE', `/api/alerts/channels/${webhookId}`],
      ['POST', `/api/alerts/channels/${webhookId}/test`], ['GET', `/api/alerts/channels/${webhookId}/deliveries`],
    ];
    for (const [method, path, body] of adminOnly) {
      expect((await api(srv.baseUrl, method, path, { body })).status, `${method} ${path} anonymous`).to.equal(401);
      expect((await api(srv.baseUrl, method, path, { body, token: user })).status, `${method} ${path} as a user`).to.equal(403);
    }
    expect((await api(srv.baseUrl, 'GET', '/api/alerts')).status).to.equal(401);
    const raidAlert = (await call('GET', '/api/alerts')).body.items.find((a: { ruleId: string }) => a.ruleId === 'raid.degraded');
    expect((await api(srv.baseUrl, 'GET', `/api/alerts/${raidAlert.id}`, { token: user })).status).to.equal(404);
    expect((await api(srv.baseUrl, 'POST', `/api/alerts/${raidAlert.id}/ack`, { token: user })).status).to.equal(404);
    expect((await api(srv.baseUrl, 'GET', '/api/alerts', { token: user })).body.items).to.deep.equal([]);
  });
});

describeEachDb('alerts: damping, scrub mismatches and fan failsafe', (kind) => {
  let srv: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  before(async function () {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    srv = await startTestServer(this, kind, {
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      scheduler: { processEveryMs: 200 },
      alerts: {
        evaluateIntervalSeconds: 0, clearAfterSeconds: 1, reconcileDriftBytes: 100,
        smtpUrl: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${smtp.port}`, smtpFrom: 'nasd@example.test', email: ['owner@example.test'],
      },
    });
  });
  after(async () => {
    await srv?.close();
    await smtp?.close();
  });

  it('a condition that comes back before the clear delay stays one open alert: one mail on open, one when it stays gone', async () => {
    const alerts = srv.nasd.alerts.reporter;
    await alerts.raise('smb.config_refused', 'smb.conf', { error: 'Unknown parameter' });
    for (let i = 0; i < 3; i++) {
      await alerts.clear('smb.config_refused', 'smb.conf');
      await alerts.raise('smb.config_refused', 'smb.conf', { error: 'Unknown parameter' });
    }
    await alerts.clear('smb.config_refused', 'smb.conf');
    const rows = await srv.nasd.db.knex('alerts').where({ rule_id: 'smb.config_refused' });
    expect(rows.map((r: { state: string }) => r.state)).to.deep.equal(['open']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await alerts.clear('smb.config_refused', 'smb.conf');
    await srv.nasd.alerts.idle();
    expect((await srv.nasd.db.knex('alerts').where({ rule_id: 'smb.config_refused' })).map((r: { state: string }) => r.state)).to.deep.equal(['closed']);
    expect(smtp.mails.map((m) => m.subject)).to.deep.equal(['nasd critical: Samba refused the generated configuration', 'nasd critical: Resolved: Samba refused the generated configuration']);
  });

  it('a reconcile run that finds usage drift beyond the threshold opens a warning', async () => {
    const admin = (await loginAdmin(srv)).accessToken;
    const home = path.join(srv.nasd.config.storageRoot, 'homes', 'admin');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'written-behind-nasd.bin'), Buffer.alloc(5000, 1));
    const run = await api(srv.baseUrl, 'POST', '/api/jobs/storage.reconcile/run', { token: admin });
    expect(run.status).to.equal(202);
    const until = Date.now() + 15_000;
    let status = '';
    while (status !== 'ok' && status !== 'failed') {
      if (Date.now() > until) throw new Error('the reconcile run did not finish');
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await api(srv.baseUrl, 'GET', `/api/jobs/executions/${run.body.executionId}`, { token: admin })).body.status;
    }
    expect(status).to.equal('ok');
    const open = (await api(srv.baseUrl, 'GET', '/api/alerts/?state=open', { token: admin })).body.items;
    const drift = open.find((a: { ruleId: string }) => a.ruleId === 'storage.reconcile_drift');
    expect(drift.details).to.deep.include({ driftBytes: 5000, added: 1 });
  });

  it('a scrub that finds mismatches opens a warning for the array', async () => {
    const admin = (await loginAdmin(srv)).accessToken;
    expect((await api(srv.baseUrl, 'POST', '/api/raid/arrays/md0/scrub', { token: admin })).status).to.equal(202);
    await api(srv.baseUrl, 'POST', '/api/hardware/simulation', { token: admin, body: { advanceSeconds: 70 } });
    await srv.nasd.alerts.evaluate();
    await srv.nasd.alerts.idle();
    const open = (await api(srv.baseUrl, 'GET', '/api/alerts/?state=open', { token: admin })).body.items;
    expect(open.find((a: { ruleId: string }) => a.ruleId === 'raid.mismatches')).to.deep.include({ key: 'md0', severity: 'warning' });
  });

  it('a fan whose sensor fails goes to failsafe and opens one critical alert', async () => {
    const admin = (await loginAdmin(srv)).accessToken;
    const curve = { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 30 }, { tempC: 60, duty: 100 }] };
    expect((await api(srv.baseUrl, 'PUT', '/api/fans/sim.pwm1/curve', { token: admin, body: curve })).status).to.equal(200);
    await api(srv.baseUrl, 'POST', '/api/hardware/simulation', { token: admin, body: { sensorFault: { sensor: 'sim.temp1', fault: 'error' } } });
    await api(srv.baseUrl, 'POST', '/api/hardware/simulation', { token: admin, body: { advanceSeconds: 10 } });
    const before = smtp.mails.length;
    await srv.nasd.alerts.evaluate();
    await srv.nasd.alerts.idle();
    await srv.nasd.alerts.evaluate();
    await srv.nasd.alerts.idle();
    const open = (await api(srv.baseUrl, 'GET', '/api/alerts/?state=open', { token: admin })).body.items;
    expect(open.filter((a: { ruleId: string }) => a.ruleId === 'fans.failsafe').map((a: { key: string }) => a.key)).to.deep.equal(['sim.pwm1']);
    expect(smtp.mails.slice(before).map((m) => m.subject)).to.deep.equal(['nasd critical: Fan sim.pwm1 is in failsafe']);
  });
});
