import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Where page screenshots go (not committed), for a person to look at. */
export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'ui');

export interface UiSession {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  signIn(username: string, password: string): Promise<void>;
}

/** A fresh browser context (own cookies and storage) with a page that records every console error. */
export async function openUi(browser: Browser, baseUrl: string): Promise<UiSession> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  return {
    context,
    page,
    problems,
    async signIn(username, password) {
      await page.goto('/');
      await page.fill('input[autocomplete=username]', username);
      await page.fill('input[name=password]', password);
      await page.click('button[type=submit]');
      await page.locator('.who').waitFor();
    },
  };
}

/** Runs axe-core inside the page (evaluated through the DevTools protocol, so the CSP stays as is). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

/**
 * The checks every page gets: axe clean in light and dark, no horizontal scroll at 390 px, and a
 * screenshot at 390 and 1440 px in both themes into SCREENSHOT_DIR as `<name>-<width>-<scheme>.png`.
 */
export async function checkPageLooks(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.evaluate(() => new Promise(requestAnimationFrame));
      if (width === 390) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${name}: horizontal scroll at 390 px (${colorScheme})`).to.be.at.most(0);
      }
      expect(await axeViolations(page), `${name} axe (${colorScheme}, ${width} px)`).to.deep.equal([]);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${width}-${colorScheme}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
}
