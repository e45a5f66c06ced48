import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startSmtpServer, startWebhookReceiver } from '../helpers/receivers.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const SMTP_USER = 'nasd-mailer';
const SMTP_PASS = 'queue-mail-pass';

/** Waits (bounded) until `check` holds; liveness only, nothing is timed. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Deliveries run in a per-channel queue: a hung webhook receiver holds up neither evaluation nor e-mail. */
describeEachDb('alerts: queued deliveries', (kind) => {
  let srv: TestServer;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const openRules = async () => ((await call('GET', '/api/alerts/?state=open')).body.items as { ruleId: string; key: string }[]).map((a) => `${a.ruleId} ${a.key}`);

  before(async function () {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    hook = await startWebhookReceiver();
    srv = await startTestServer(this, kind, {
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      alerts: {
        evaluateIntervalSeconds: 0,
        clearAfterSeconds: 0,
        smartMaxAgeSeconds: 0,
        deliveryAttempts: 1,
        deliveryTimeoutMs: 120_000,
        smtpUrl: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtp.port}`,
        smtpFrom: 'nasd@example.test',
        email: ['owner@example.test'],
      },
    });
    admin = (await loginAdmin(srv)).accessToken;
    expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
    await srv.nasd.alerts.idle();
  });
  after(async () => {
    hook?.release(500);
    await srv?.close();
    await smtp?.close();
    await hook?.close();
  });

  it('a webhook receiver that hangs does not stop another alert from being evaluated and mailed; its outcome is stored once it fails', async () => {
    const created = await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'hung hook', url: `${hook.url}/hung`, families: ['raid'] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    hook.hold('/hung');
    const mailsBefore = smtp.mails.length;

    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    expect((await call('POST', '/api/alerts/evaluate')).status, 'evaluation returns while the webhook hangs').to.equal(200);
    await eventually('the hung receiver to hold the degraded notice', () => hook.held() === 1);

    // A second condition while the webhook still hangs: evaluated, opened and mailed.
    expect((await call('POST', '/api/hardware/simulation', { filesystemUsedPercent: 97 })).status).to.equal(200);
    expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
    expect(await openRules()).to.include.members(['raid.degraded md0', 'storage.filesystem_95 storage']);
    await eventually('both mails', () => smtp.mails.length - mailsBefore >= 2);
    expect(smtp.mails.slice(mailsBefore).map((m) => m.subject)).to.have.members(['nasd critical: RAID array md0 is degraded', 'nasd critical: The storage filesystem is over 95 % full']);
    expect(hook.held(), 'the webhook still hangs').to.equal(1);
    const pending = (await call('GET', `/api/alerts/channels/${created.body.id}/deliveries`)).body.deliveries;
    expect(pending, 'no outcome while the delivery is in progress').to.deep.equal([]);

    hook.release(503);
    await srv.nasd.alerts.idle();
    const deliveries = (await call('GET', `/api/alerts/channels/${created.body.id}/deliveries`)).body.deliveries as { outcome: string; event: string; error: string }[];
    expect(deliveries.map((d) => [d.event, d.outcome])).to.deep.equal([['opened', 'failure']]);
    expect(deliveries[0].error).to.match(/503/);
    expect(await openRules()).to.include('alerts.channel_failing hung hook');
  });
});
