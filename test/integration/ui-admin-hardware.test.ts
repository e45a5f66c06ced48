import { expect } from 'chai';
import type { Browser, Locator } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { loginAdmin } from '../helpers/auth.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { checkPageLooks, openUi, SCREENSHOT_DIR, type UiSession } from '../helpers/ui.js';

interface Member { device: string; role: 'active' | 'spare' | 'faulty' }
interface RaidArray { name: string; degraded: boolean; disks: { active: number }; members: Member[]; sync: { action: string; percent: number } | null }

describeEachDb('admin UI: storage, disks, power and fans in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let token: string;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token, body });
  const simulate = async (body: unknown) => expect((await call('POST', '/api/hardware/simulation', body)).status).to.equal(200);
  const md0 = async (): Promise<RaidArray> => (await call('GET', '/api/raid/arrays/md0')).body;
  const auditCount = async (action: string, outcome?: string) =>
    (await call('GET', `/api/audit?action=${action}${outcome ? `&outcome=${outcome}` : ''}`)).body.total as number;
  const card = (): Locator => ui.page.locator('article.raid', { has: ui.page.getByRole('heading', { name: /^md0/ }) });
  const dialog = (): Locator => ui.page.getByRole('dialog');

  async function openStorage(): Promise<void> {
    await ui.page.goto('/storage');
    await card().waitFor();
  }

  /** Opens the typed confirmation of `button` on md0's card and types `name` (if given) into it. */
  async function confirmOnCard(button: string, name: string, confirm: string): Promise<void> {
    await card().getByRole('button', { name: button }).click();
    await dialog().getByLabel(/to confirm/).fill(name);
    await dialog().getByRole('button', { name: confirm }).click();
  }

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind, { hardware: { simulatedClock: 'manual', fanIntervalSeconds: 1, telemetryIntervalSeconds: 0 } });
    token = (await loginAdmin(srv)).accessToken;
    // Two scans a day apart, so the disk's history charts have points to draw.
    await call('POST', '/api/smart/scan');
    await simulate({ advanceSeconds: 86_400 });
    await call('POST', '/api/smart/scan');
    // The case fan gets a curve, so the power page shows a drawn one next to a fan without.
    const caseCurve = { sensorId: 'sim.temp2', points: [{ tempC: 30, duty: 25 }, { tempC: 40, duty: 45 }, { tempC: 55, duty: 100 }], minDuty: 25, maxDuty: 100, hysteresisC: 3 };
    expect((await call('PUT', '/api/fans/sim.pwm2/curve', caseCurve)).status).to.equal(200);
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('admin', ADMIN_PASSWORD);
    console.log(`      (screenshots: ${SCREENSHOT_DIR})`);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('storage, disk detail and power pages load clean at 390 and 1440 px, light and dark', async function () {
    this.timeout(120_000);
    await openStorage();
    await ui.page.getByRole('link', { name: 'sdd' }).waitFor();
    await ui.page.locator('.badge.failing').first().waitFor();
    await checkPageLooks(ui.page, 'storage');
    await ui.page.getByRole('link', { name: 'sdb' }).click();
    await ui.page.getByRole('heading', { name: 'Disk sdb', level: 1 }).waitFor();
    // frappe draws the axes first and the lines a moment later.
    await ui.page.locator('svg.frappe-chart path.line-graph-path[d*="L"]').first().waitFor({ state: 'attached' });
    await ui.page.locator('tr.flag-warning', { hasText: 'UDMA_CRC_Error_Count' }).waitFor();
    await checkPageLooks(ui.page, 'storage-disk');
    await ui.page.goto('/power');
    await ui.page.getByRole('heading', { name: 'Power and fans', level: 1 }).waitFor();
    await ui.page.getByText('Loading…').first().waitFor({ state: 'detached' });
    const caseFan = ui.page.locator('article.fan', { has: ui.page.getByRole('heading', { name: /^Case fan/ }) });
    await caseFan.locator('svg.frappe-chart path.line-graph-path[d*="L"]').waitFor({ state: 'attached' });
    await caseFan.getByText('Edit the curve').click();
    await caseFan.getByLabel('Point 3 °C').waitFor();
    await checkPageLooks(ui.page, 'power');
    expect(ui.problems).to.deep.equal([]);
  });

  it('serves a disk detail URL as the UI page, and nothing for a malformed device name', async () => {
    for (const path of ['/storage/disks/sda', '/storage/disks/nvme0/']) {
      const res = await api(srv.baseUrl, 'GET', path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type'), path).to.contain('text/html');
    }
    for (const path of ['/storage/disks/', '/storage/disks/a%2Fb', '/storage/disks/sda/extra', '/storage/disks/-sda']) {
      expect((await api(srv.baseUrl, 'GET', path)).status, path).to.equal(404);
    }
  });

  it('an admin fails a member in the UI and watches md0 degrade and rebuild with live progress', async function () {
    this.timeout(60_000);
    await openStorage();
    const before = await md0();
    const victim = before.members.filter((m) => m.role === 'active').at(-1)!.device;
    await confirmOnCard(`Mark ${victim} failed…`, victim, 'Mark failed');
    await card().getByText('degraded', { exact: true }).waitFor();
    expect((await md0()).members.find((m) => m.device === victim)!.role).to.equal('faulty');

    const free: string = (await call('GET', '/api/raid/candidates')).body.devices[0];
    await card().getByLabel('Free disk').selectOption(free);
    await card().getByLabel('Use it to').selectOption('add');
    await card().getByRole('button', { name: 'Continue…' }).click();
    await dialog().getByText(`Everything on ${free} is overwritten`).waitFor();
    await dialog().getByLabel(/to confirm/).fill(free);
    await dialog().getByRole('button', { name: 'Add disk' }).click();
    const progress = card().locator('.sync-text');
    await progress.waitFor();
    const first = await progress.textContent();
    // Simulated time moves only through the API; the page's poll must show the new percentage.
    await simulate({ advanceSeconds: 20 });
    await ui.page.waitForFunction(([el, was]) => el!.textContent !== was, [await progress.elementHandle(), first] as const);
    const later = (await progress.textContent())!;
    expect(later).to.match(/^\d+\.\d % · 100\.0 MiB\/s · \d+ s left$/);
    expect(parseFloat(later)).to.be.greaterThan(parseFloat(first!));
    expect(await card().locator('progress').getAttribute('value')).to.equal(String(parseFloat(later)));
    await simulate({ advanceSeconds: 120 });
    await card().getByText('No sync running.').waitFor();
    await card().locator('.badge.ok', { hasText: 'active' }).first().waitFor();
    const after = await md0();
    expect(after.degraded).to.equal(false);
    expect(after.members.find((m) => m.device === free)!.role).to.equal('active');
  });

  it('the typed confirmation cannot be bypassed by clicking fast, pressing Enter or submitting the form', async function () {
    this.timeout(60_000);
    await simulate({ advanceSeconds: 600 }); // no rebuild left running from an earlier test
    await openStorage();
    const before = await md0();
    const victim = before.members.filter((m) => m.role === 'active').at(-1)!.device;
    const attempts = await auditCount('raid.member.fail');
    await card().getByRole('button', { name: `Mark ${victim} failed…` }).click();
    const confirm = dialog().getByRole('button', { name: 'Mark failed' });
    expect(await confirm.isDisabled()).to.equal(true);
    for (let i = 0; i < 5; i++) await confirm.click({ force: true, delay: 0 });
    const input = dialog().getByLabel(/to confirm/);
    await input.press('Enter');
    await input.fill(victim.slice(0, -1));
    await input.press('Enter');
    await confirm.dblclick({ force: true });
    await dialog().locator('form').evaluate((f: HTMLFormElement) => { f.requestSubmit(); f.requestSubmit(); });
    expect(await auditCount('raid.member.fail'), 'no fail request before the name was typed').to.equal(attempts);
    expect((await md0()).members).to.deep.equal(before.members);

    // Typed correctly, a double click still sends one request.
    await input.fill(victim);
    await confirm.dblclick();
    await dialog().waitFor({ state: 'detached' });
    await card().getByText('degraded', { exact: true }).waitFor();
    expect(await auditCount('raid.member.fail')).to.equal(attempts + 1);
    expect(await auditCount('raid.member.fail', 'failure')).to.equal(0);
  });

  it("failing the last in-sync member is refused by the server and the UI shows the server's reason", async function () {
    this.timeout(60_000);
    await simulate({ advanceSeconds: 600 });
    let array = await md0();
    for (const m of array.members.filter((x) => x.role === 'active').slice(1)) {
      expect((await call('POST', `/api/raid/arrays/md0/members/${m.device}/fail`)).status).to.equal(200);
    }
    array = await md0();
    const last = array.members.filter((m) => m.role === 'active');
    expect(last).to.have.length(1);
    await openStorage();
    await confirmOnCard(`Mark ${last[0].device} failed…`, last[0].device, 'Mark failed');
    const alert = dialog().getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.match(new RegExp(`refusing to fail ${last[0].device}: md0 \\(raid1\\) has 1 of 2 members in sync`));
    expect((await md0()).members.find((m) => m.device === last[0].device)!.role).to.equal('active');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    ui.problems.splice(0); // Chromium logs the refused request (409) as a failed resource load
  });

  it("a fan curve edited in the UI changes the simulated fan's duty, and a sensor fault shows the failsafe", async function () {
    this.timeout(60_000);
    await ui.page.goto('/power');
    const fan = ui.page.locator('article.fan', { has: ui.page.getByRole('heading', { name: /^CPU fan/ }) });
    await fan.getByText('Edit the curve').click();
    const form = fan.getByRole('form', { name: 'Curve of CPU fan' });
    await form.getByLabel('Follows sensor').selectOption('sim.temp1');
    while ((await form.getByRole('button', { name: /^Remove point/ }).count()) > 2) await form.getByRole('button', { name: /^Remove point/ }).last().click();
    await form.getByLabel('Point 1 °C').fill('60');
    await form.getByLabel('Point 2 °C').fill('40');
    await form.getByRole('button', { name: 'Save curve' }).click();
    await form.getByRole('alert').getByText('Point 2: temperatures must rise from point to point.').waitFor();

    await form.getByLabel('Point 1 °C').fill('0');
    await form.getByLabel('Point 2 °C').fill('120');
    for (const i of [0, 1]) await form.locator(`input[name=duty${i}]`).fill('77');
    await form.getByLabel('Minimum duty %').fill('20');
    await form.getByLabel('Hysteresis °C').fill('2');
    await form.getByRole('button', { name: 'Save curve' }).click();
    await fan.locator('.fan-duty', { hasText: '77 %' }).waitFor();
    await fan.locator('svg.frappe-chart').waitFor();
    // The control loop (1 s here) keeps the fan on the curve while the simulated CPU heats up.
    await simulate({ cpuLoad: 1, advanceSeconds: 120 });
    const fans = (await call('GET', '/api/fans')).body.fans as { id: string; duty: number; mode: number; curve: { points: unknown } }[];
    const cpuFan = fans.find((f) => f.id === 'sim.pwm1')!;
    expect(cpuFan).to.include({ duty: 77, mode: 1 });
    expect(cpuFan.curve.points).to.deep.equal([{ tempC: 0, duty: 77 }, { tempC: 120, duty: 77 }]);

    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'error' } });
    await fan.getByRole('alert').getByText('FAILSAFE: running at full speed.').waitFor();
    await fan.locator('.fan-duty', { hasText: '100 %' }).waitFor();
    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'ok' } });
    await fan.locator('.fan-duty', { hasText: '77 %' }).waitFor();
    expect(await fan.getByRole('alert').count()).to.equal(0);
    expect(ui.problems).to.deep.equal([]);
  });

  it('disk detail: acknowledging a warning shows it as acknowledged, and a grown value warns again', async function () {
    this.timeout(60_000);
    await simulate({ smartAttribute: { device: 'sdb', attribute: 'ata.199', value: 3 } });
    await call('DELETE', '/api/smart/disks/sdb/acknowledgements/ata.199'); // 404 when there is none
    await ui.page.goto('/storage/disks/sdb');
    const finding = ui.page.locator('li.finding', { hasText: 'ata.199' });
    await finding.getByText('warning', { exact: true }).waitFor();
    await ui.page.getByText('If the value grows later, the warning comes back.').waitFor();
    await finding.getByRole('button', { name: 'Acknowledge ata.199' }).click();
    await finding.getByText('acknowledged', { exact: true }).waitFor();
    await finding.getByText(/Acknowledged by admin on .* at 3\./).waitFor();
    expect((await call('GET', '/api/smart/disks/sdb')).body.verdict).to.equal('ok');
    await ui.page.locator('tr.flag-warning', { hasText: 'UDMA_CRC_Error_Count' }).waitFor();

    await simulate({ smartAttribute: { device: 'sdb', attribute: 'ata.199', value: 5 } });
    await ui.page.reload();
    await finding.getByText('Acknowledged by admin at 3, but the value grew to 5: warning again.').waitFor();
    await finding.getByText('warning', { exact: true }).waitFor();
    expect((await call('GET', '/api/smart/disks/sdb')).body.verdict).to.equal('warning');
    expect(ui.problems).to.deep.equal([]);
  });

  it('disk detail starts a self-test and shows its result in the log; an unknown disk says it is not found', async function () {
    this.timeout(60_000);
    await ui.page.goto('/storage/disks/sdc');
    await ui.page.getByRole('heading', { name: 'Disk sdc', level: 1 }).waitFor();
    await ui.page.getByRole('button', { name: 'Start short self-test' }).click();
    await ui.page.getByText('Short self-test', { exact: false }).first().waitFor();
    await simulate({ advanceSeconds: 300 });
    await ui.page.reload();
    await ui.page.getByRole('region', { name: 'Self-test log' }).getByText('passed').waitFor();

    await ui.page.goto('/storage/disks/nosuch');
    await ui.page.getByRole('heading', { name: 'Disk not found', level: 1 }).waitFor();
    expect(await ui.page.getByRole('alert').textContent()).to.contain('no disk named nosuch');
    ui.problems.splice(0); // the 404 is logged by Chromium as a failed resource load
  });
});
