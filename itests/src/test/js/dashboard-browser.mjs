// Drives the node's web dashboard in headless Chromium (Debian's chromium, through playwright-core)
// as an operator would: log in, watch a second node appear in the table and on the overlay map
// (linked directly, with its own signed record), add a proxy rule and see its byte counter and the
// second node's per-peer chart move with traffic sent through it, push a bundle to it (a file that
// is not a jar first, refused), restart a bundle, remove the rule. Prints one line per step reached;
// exits non-zero, saying why, at the first step that fails.
//   env: DASHBOARD_URL, DASHBOARD_USER, DASHBOARD_PASSWORD, SECOND_NODE (its name), RULE_PORT (a free
//   port for the egress rule), RULE_TARGET (<node>:<port> of an echo service), RESTART_BUNDLE,
//   PUSH_JAR (a signed bundle the second node trusts), PUSH_CREDENTIALS (its admin user:password),
//   NOT_A_JAR (a text file), STEP_TIMEOUT_MS
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = env('DASHBOARD_URL');
const timeout = Number(process.env.STEP_TIMEOUT_MS || 60000);
const step = (text) => console.log(`step: ${text}`);

const profile = mkdtempSync(join(tmpdir(), 'warren-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
context.setDefaultTimeout(timeout);
let failed = false;
let page = null;
try {
  page = context.pages()[0] || await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.accept(); });

  await page.goto(url);
  await page.fill('#user', env('DASHBOARD_USER'));
  await page.fill('#password', env('DASHBOARD_PASSWORD'));
  await Promise.all([page.waitForURL(url), page.click('#login')]);
  await page.waitForSelector('#live:not(.off)');
  const cookie = (await context.cookies()).find((c) => c.name === 'warren_dashboard');
  if (!cookie || !cookie.httpOnly || cookie.sameSite !== 'Strict') {
    throw new Error(`session cookie is not HttpOnly + SameSite=Strict: ${JSON.stringify(cookie)}`);
  }
  const before = await page.locator('#nodes tbody tr').count();
  step(`logged in, ${before} node(s)`);

  const second = env('SECOND_NODE');
  await page.locator('#nodes tbody tr td.name', { hasText: new RegExp(`^${second}$`) }).waitFor();
  const path = await page.locator('#nodes tbody tr', { has: page.locator('td.name', { hasText: new RegExp(`^${second}$`) }) })
    .locator('td.path').textContent();
  step(`saw node ${second} (${path})`);

  // the map: the second node is a member whose own signed record lists a connection, linked directly to this one
  const linked = await page.waitForFunction((name) => {
    const self = document.querySelector('#map g.node.self');
    const q = document.querySelector(`#map g.node.member[data-name="${name}"]`);
    if (!self || !q || Number(q.getAttribute('data-links')) < 1) return null;
    const ends = [self.getAttribute('data-peer'), q.getAttribute('data-peer')].sort().join(' ');
    return [...document.querySelectorAll('#map line.link.direct')]
      .some((l) => [l.getAttribute('data-a'), l.getAttribute('data-b')].sort().join(' ') === ends) && ends;
  }, second);
  step(`map: ${second} linked directly (${await linked.jsonValue()})`);

  const port = env('RULE_PORT');
  await page.selectOption('#rule-direction', 'egress');
  await page.fill('#rule-port', port);
  await page.fill('#rule-peer', env('RULE_TARGET'));
  await page.click('#rule-add');
  const row = page.locator(`#rules tbody tr[data-port="${port}"]`);
  await row.waitFor();
  if (!dialogs.some((m) => m.startsWith('Add egress rule'))) throw new Error(`no confirmation asked: ${dialogs}`);
  step(`rule added: ${await row.locator('td.mono').textContent()}`);

  // traffic through the rule: the echo service answers what it is sent
  const payload = 'x'.repeat(64 * 1024);
  await expect(async () => {
    const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: payload });
    const body = await r.text();
    if (body.length !== payload.length) throw new Error(`echoed ${body.length} bytes`);
  });
  // traffic goes on while the page is watched, so the chart sees a rate whichever update the first bytes fall in;
  // the counter shows the bytes, and the rule's chart has a point above its baseline
  let pumping = true;
  const pump = (async () => {
    while (pumping) {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: payload }).then((r) => r.text()).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  await page.waitForFunction((p) => {
    const row = document.querySelector(`#rules tbody tr[data-port="${p}"]`);
    const line = row && row.querySelector('svg.chart polyline.out');
    return row && /KiB|MiB/.test(row.querySelector('td.bytes-out').textContent) && line
      && line.getAttribute('points').split(' ').some((xy) => Number(xy.split(',')[1]) < 30);
  }, port).finally(() => { pumping = false; });
  await pump;
  step(`traffic counted: out ${await row.locator('td.bytes-out').textContent()}, in ${await row.locator('td.bytes-in').textContent()}`);

  // the same traffic crossed the libp2p connection to the second node: its per-peer chart rose
  const peerRow = page.locator(`#peers tbody tr[data-name="${second}"]`);
  await page.waitForFunction((name) => {
    const row = document.querySelector(`#peers tbody tr[data-name="${name}"]`);
    const line = row && row.querySelector('svg.chart polyline.out');
    return row && /KiB|MiB/.test(row.querySelector('td.bytes-out').textContent) && line
      && line.getAttribute('points').split(' ').some((xy) => Number(xy.split(',')[1]) < 30);
  }, second);
  step(`peer traffic charted: ${second} out ${await peerRow.locator('td.bytes-out').textContent()}`);

  // push a bundle to the second node: a text file first (refused, saying why), then the signed jar
  await page.selectOption('#push-node', second);
  await page.setInputFiles('#push-file', env('NOT_A_JAR'));
  await page.click('#push-send');
  await page.waitForFunction(() => {
    const m = document.getElementById('message');
    return m.className === 'error' && /is not a jar/.test(m.textContent);
  });
  step(`non-jar refused: ${await page.locator('#message').textContent()}`);
  await page.setInputFiles('#push-file', env('PUSH_JAR'));
  await page.fill('#push-credentials', env('PUSH_CREDENTIALS'));
  const asked = dialogs.length;
  await page.click('#push-send');
  await page.waitForFunction(() => / ACTIVE/.test(document.getElementById('message').textContent)
    || document.getElementById('message').className === 'error');
  const pushed = await page.locator('#message').textContent();
  if (!/ ACTIVE/.test(pushed)) throw new Error(`push failed: ${pushed}`);
  if (!dialogs.slice(asked).some((m) => m.startsWith('Push '))) throw new Error(`no confirmation asked: ${dialogs}`);
  step(`pushed: ${pushed.split('\n')[0]}`);

  const bundle = env('RESTART_BUNDLE');
  await page.locator(`#bundles tbody tr[data-bundle="${bundle}"] button`).click();
  await page.waitForFunction((b) => /restarted/.test(document.getElementById('message').textContent)
    && document.querySelector(`#bundles tbody tr[data-bundle="${b}"] td.state`).textContent === 'active', bundle);
  step(`restarted ${bundle}`);

  // SCREENSHOT (optional, e.g. when a step looks wrong): the whole page as it stands now, as a PNG
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

  await row.locator('button.remove').click();
  await row.waitFor({ state: 'detached' });
  step('rule removed');
} catch (e) {
  failed = true;
  const said = page ? await page.locator('#message').textContent().catch(() => '') : '';
  console.error(`dashboard-browser: ${e.stack || e}${said ? `\n  the page said: ${said}` : ''}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** Retries {@code f} until it succeeds or the step timeout passes (the rule's listener starts a moment after it is added). */
async function expect(f) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
