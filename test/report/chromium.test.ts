// index.html in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// no console errors, no request but the file itself, the calendar and every in-scope criterion
// present, collected strings shown as text, printable. Keeps test-artifacts/report.png.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/aggregate.js';
import { writeReport } from '../../src/report/index.js';
import type { ReportModel } from '../../src/report/model.js';
import { loadMappings } from '../../src/mapping/index.js';
import { repoRoot, tmpDir } from '../helpers/cli.js';
import { writeScenario, XSS } from './fixtures.js';

const CHROMIUM = process.env.SOC2_CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.SOC2_REQUIRE_CHROMIUM === '1';
if (!available && !required) console.warn(`skipping the Chromium report test: ${CHROMIUM} is not installed (apt-get install chromium; SOC2_REQUIRE_CHROMIUM=1 makes this a failure)`);

describe.skipIf(!available && !required)('index.html in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let model: ReportModel;
  let url: string;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and SOC2_REQUIRE_CHROMIUM=1: install it (apt-get install chromium)`);
    const root = tmpDir('soc2-chromium-');
    const ev = path.join(root, 'evidence');
    await writeScenario(ev);
    const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security', 'confidentiality'], organization: null, mappings: loadMappings(), allowUnverified: false, sample: { n: 2, seed: 'fieldwork-2026' } });
    if (!r.ok) throw new Error('fixture evidence did not verify');
    model = r.model;
    await writeReport(model, path.join(root, 'report'), ['html']);
    url = pathToFileURL(path.join(root, 'report', 'index.html')).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console error and no request other than the file itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([url]);
  });

  it('shows the coverage calendar and every criterion in scope', async () => {
    const cal = page.locator('#calendar svg.grid');
    expect(await cal.count()).toBeGreaterThan(0);
    await expect(cal.first().isVisible()).resolves.toBe(true);
    const labels = await page.locator('#calendar svg.grid text.g-label').allTextContents();
    const ids = model.criteria.map((c) => c.id);
    expect(labels).toEqual(ids);
    const rects = await page.locator('#calendar svg.grid rect').count();
    expect(rects).toBe(ids.length * model.calendar.days.length);
    const overview = await page.locator('#criteria table').first().locator('tbody tr td:first-child').allTextContents();
    expect(overview).toEqual(ids);
    for (const id of ids) expect(await page.getByText(id, { exact: true }).count(), id).toBeGreaterThan(0);
    expect(await page.locator('#continuity').innerText()).toContain('2026-03-04');
  });

  it('shows a role named like markup as text: no element is created, no dialog opens', async () => {
    expect(await page.locator('img, script, iframe, object, embed').count()).toBe(0);
    const text = await page.locator('body').innerText();
    expect(text).toContain(`arn:aws:iam::111122223333:role/${XSS}`);
    expect(await page.getByText(XSS, { exact: false }).count()).toBeGreaterThan(0);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate("document.scripts.length")).toBe(0);
  });

  it('prints: print styles apply and a PDF renders; keeps a screenshot', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.toc').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    await page.emulateMedia({ media: 'screen' });
    const dir = path.join(repoRoot, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    expect(existsSync(path.join(dir, 'report.png'))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
