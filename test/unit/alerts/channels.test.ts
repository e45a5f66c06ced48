import crypto from 'node:crypto';
import { expect } from 'chai';
import { htmlOf, subjectOf, textOf, type Notice } from '../../../src/services/alerts/channels/message.js';
import { signBody, webhookRequest } from '../../../src/services/alerts/channels/webhook.js';
import { transportOptions } from '../../../src/services/alerts/channels/email.js';
import { splitSmtpUrl } from '../../../src/services/alerts/index.js';

const notice = (over: Partial<Notice> = {}): Notice => ({
  event: 'opened',
  pageUrl: 'https://nas.example.test/#/alerts',
  sentAt: 1_800_000_000_000,
  alerts: [{
    id: 7, ruleId: 'raid.degraded', family: 'raid', severity: 'critical', key: 'md0', title: 'RAID array md0 is degraded',
    whatToDo: 'Replace the member.', state: 'open', openedAt: 1_799_999_000_000, closedAt: null, details: { failedMembers: '<script>alert(1)</script>', nested: { a: 1 } },
  }],
  ...over,
});

describe('alerts: notification formats', () => {
  it('e-mail text and HTML carry the title, what to do and the link; HTML escapes every value', () => {
    const n = notice();
    expect(subjectOf(n)).to.equal('nasd critical: RAID array md0 is degraded');
    expect(textOf(n)).to.include('What to do: Replace the member.').and.include('failedMembers: <script>alert(1)</script>').and.include('Alerts page: https://nas.example.test/#/alerts');
    const html = htmlOf(n);
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>');
    expect(html).not.to.include('nested');
    expect(subjectOf(notice({ event: 'resolved' }))).to.equal('nasd critical: Resolved: RAID array md0 is degraded');
    expect(subjectOf({ ...notice({ event: 'reminder' }), alerts: [notice().alerts[0], notice().alerts[0]] })).to.equal('nasd: 2 critical alerts still open');
  });

  it('the JSON webhook has a stable schema and an HMAC over "<timestamp>.<body>"', () => {
    const { body, headers } = webhookRequest({ url: 'http://x/', format: 'json' }, { hmacSecret: 'k'.repeat(16) }, notice());
    const parsed = JSON.parse(body);
    expect(Object.keys(parsed)).to.deep.equal(['schema', 'event', 'sentAt', 'pageUrl', 'alerts']);
    expect(Object.keys(parsed.alerts[0])).to.deep.equal(['id', 'rule', 'family', 'severity', 'key', 'title', 'whatToDo', 'state', 'openedAt', 'closedAt', 'details']);
    expect(headers['x-nasd-timestamp']).to.equal('1800000000000');
    const expected = 'sha256=' + crypto.createHmac('sha256', 'k'.repeat(16)).update(`1800000000000.${body}`).digest('hex');
    expect(headers['x-nasd-signature']).to.equal(expected).and.equal(signBody('k'.repeat(16), '1800000000000', body));
    expect(webhookRequest({ url: 'http://x/', format: 'json' }, {}, notice()).headers).not.to.have.property('x-nasd-signature');
  });

  it('ntfy gets the text as body with title/priority/tags headers; Gotify gets its JSON with the app token header', () => {
    const ntfy = webhookRequest({ url: 'http://x/topic', format: 'ntfy' }, { token: 'tk' }, notice());
    expect(ntfy.headers).to.include({ title: 'nasd critical: RAID array md0 is degraded', priority: '5', tags: 'warning', click: 'https://nas.example.test/#/alerts', authorization: 'Bearer tk' });
    expect(ntfy.body).to.equal(textOf(notice()));
    expect(webhookRequest({ url: 'http://x/topic', format: 'ntfy' }, {}, notice({ event: 'resolved' })).headers).to.include({ priority: '3', tags: 'white_check_mark' });
    const gotify = webhookRequest({ url: 'http://x/message', format: 'gotify' }, { token: 'app' }, notice());
    expect(JSON.parse(gotify.body)).to.deep.equal({ title: subjectOf(notice()), message: textOf(notice()), priority: 8 });
    expect(gotify.headers['x-gotify-key']).to.equal('app');
  });

  it('splits the password out of an SMTP URL and builds TLS or STARTTLS transport options', () => {
    expect(splitSmtpUrl('smtp://mailer:p%40ss@mail.example.test:587')).to.deep.equal({ smtpUrl: 'smtp://mailer@mail.example.test:587', password: 'p@ss' });
    expect(splitSmtpUrl('smtps://mail.example.test')).to.deep.equal({ smtpUrl: 'smtps://mail.example.test', password: undefined });
    for (const bad of ['http://mail', 'smtp://', 'smtp://mail/path', 'smtp://mail?x=1', 'nonsense']) expect(() => splitSmtpUrl(bad), bad).to.throw(/smtpUrl/);
    expect(transportOptions({ smtpUrl: 'smtps://u@mail.example.test', from: 'a', to: [] }, { password: 'pw' })).to.deep.include({ host: 'mail.example.test', port: 465, secure: true, auth: { user: 'u', pass: 'pw' } });
    expect(transportOptions({ smtpUrl: 'smtp://mail.example.test', from: 'a', to: [] }, {})).to.deep.include({ port: 587, secure: false, auth: undefined });
  });
});
