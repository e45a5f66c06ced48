import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.NASD_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches Debian's headless Chromium (never a downloaded browser). Off CI a missing binary skips
 * the suite with a printed reason; under CI=true it fails.
 */
export async function launchBrowser(ctx: Mocha.Context): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`Chromium is required under CI but missing at ${CHROMIUM}`);
    console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
    ctx.skip();
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network: keep Chromium from trying to reach its update/sync services.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
