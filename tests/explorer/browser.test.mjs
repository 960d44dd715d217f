// The block explorer in a real browser: a dev node (archive state, started here on its own
// ports), the digits model registered, a worker (Bob) and an auditor (Alice) from the
// declai-worker binary, and declai-explorer indexing the node into SQLite. Ferdie asks for one
// digits inference through @polkadot/api; once it is settled and finalized, Chromium (Debian's
// system browser driven by playwright-core; no browser is downloaded) walks the explorer as a
// person would: search for Ferdie's address, open a lot, follow the job to its verification trail
// and its receipt, and watch the home page add finalized blocks live. Every number the pages show
// is checked against what the runtime APIs return through polkadot.js.
//
// Needs DECLAI_NODE, DECLAI_WORKER and DECLAI_EXPLORER (built binaries; scripts/env.sh sets them)
// and Chromium at DECLAI_CHROMIUM (default /usr/bin/chromium). Screenshots of each page go to
// DECLAI_SCREENSHOTS (default: screenshots/ in the test's directory, DECLAI_EXPLORER_TEST_DIR or a
// new temporary one, which also holds every process's log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { chromium } from 'playwright-core';
import { send, Processes, freePort, until, startDevNode } from '../e2e/support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.env.DECLAI_NODE;
const WORKER = process.env.DECLAI_WORKER;
const EXPLORER = process.env.DECLAI_EXPLORER;
const CHROMIUM = process.env.DECLAI_CHROMIUM || '/usr/bin/chromium';
const DIGITS = join(root, 'inference-offchain/models/digits-mlp.json');

// A fresh directory: the explorer's database is bound to one chain and the workers keep records
// of their jobs, so nothing of an earlier run may be there.
function workDir() {
  const dir = process.env.DECLAI_EXPLORER_TEST_DIR;
  if (!dir) return mkdtempSync(join(tmpdir(), 'declai-explorer-browser-'));
  mkdirSync(dir, { recursive: true });
  assert.deepEqual(readdirSync(dir), [], `DECLAI_EXPLORER_TEST_DIR (${dir}) must be empty`);
  return dir;
}
const work = workDir();
const shots = process.env.DECLAI_SCREENSHOTS || join(work, 'screenshots');
const procs = new Processes(work);
const tail = (name, lines = 30) => procs.tail(name, lines);

let api, ws, base, browser, context, page;
let bob, ferdie, digitsModel;
// What the chain says, filled by the first test and checked against the pages by the others.
let job, receiptIds;
const pageErrors = [];

// The CRED text of the pages (declai_chain::units::cred_unit): raw units of 10^-12 CRED as an
// exact decimal with trailing zeros cut.
function credUnit(raw) {
  const one = 10n ** 12n;
  const whole = raw / one;
  const frac = raw % one;
  return `${frac === 0n ? whole : `${whole}.${frac.toString().padStart(12, '0').replace(/0+$/, '')}`} CRED`;
}

function workerArgs(name, account, extra = []) {
  return ['run', '--node', ws, '--account', account, '--state-dir', join(work, name), '--status-addr', '',
    '--class', 'cpu', '--bond', '10', ...extra];
}

/// Throws with its log if `name` is not running any more.
function assertRunning(name) {
  const child = procs.children.get(name);
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`${name} exited (${child?.exitCode ?? child?.signalCode}):\n${tail(name)}`);
  }
}

/// `promise`, or its error with the last lines of `name`'s log.
async function withLog(name, promise) {
  try {
    return await promise;
  } catch (e) {
    if (!e.message.includes(`${name} exited`)) e.message += `\n${name} log:\n${tail(name)}`;
    throw e;
  }
}

/// GET `path` from the explorer as JSON; `null` on 404 (not indexed yet).
async function explorerJson(path) {
  assertRunning('explorer');
  const res = await fetch(`${base}${path}`);
  if (res.status === 404) return null;
  const body = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${res.status} ${body}`);
  return JSON.parse(body);
}

/// Takes a full-page screenshot named `name`.png.
async function shot(name) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/// Clicks `locator` and waits for the page it leads to (path and query, relative to the explorer).
async function follow(locator, path) {
  await locator.click();
  await page.waitForURL(`${base}${path}`);
}

before(async () => {
  assert.ok(NODE && existsSync(NODE), 'DECLAI_NODE must point at the built node');
  assert.ok(WORKER && existsSync(WORKER), 'DECLAI_WORKER must point at the built worker');
  assert.ok(EXPLORER && existsSync(EXPLORER), 'DECLAI_EXPLORER must point at the built explorer');
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set DECLAI_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });
  console.log(`explorer browser test: logs in ${work}, screenshots in ${shots}`);

  // The explorer indexes from genesis: the node keeps every finalized block's state.
  ws = await startDevNode(procs, NODE, ['--state-pruning', 'archive-canonical']);
  api = await ApiPromise.create({ provider: new WsProvider(ws), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  [bob, ferdie] = ['//Bob', '//Ferdie'].map((u) => keyring.addFromUri(u));

  // The explorer from the start, so that it catches up while the rest starts.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  procs.start('explorer', EXPLORER, ['--node', ws, '--db', `sqlite:${join(work, 'explorer.db')}`, '--listen', `127.0.0.1:${port}`]);
  await withLog('explorer', until('the explorer to serve', async () => {
    assertRunning('explorer');
    try { return (await fetch(`${base}/api/status`)).ok; } catch { return false; }
  }, 60_000));
  assert.ok(tail('explorer', 200).includes(`DeCLAI explorer: ${base}`), `the explorer names its URL:\n${tail('explorer')}`);

  const reg = spawnSync(WORKER, ['register-models', '--node', ws, '--sudo', '//Alice', '--digits', DIGITS], { encoding: 'utf8' });
  assert.equal(reg.status, 0, `register-models failed: ${reg.stdout}${reg.stderr}`);
  const models = Object.fromEntries((await api.query.inference.models.entries()).map(([k, v]) => [v.unwrap().name.toUtf8(), k.args[0].toNumber()]));
  assert.ok('digits-mlp-v1' in models, JSON.stringify(models));
  digitsModel = models['digits-mlp-v1'];

  procs.start('bob', WORKER, workerArgs('bob', '//Bob', ['--digits', DIGITS]));
  procs.start('alice-auditor', WORKER, workerArgs('alice', '//Alice', ['--digits', DIGITS, '--audit', '--audit-only']));
  await withLog('bob', until('Bob to register as a worker', async () => {
    assertRunning('bob');
    return (await api.query.workers.workers(bob.address)).isSome;
  }, 180_000));

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  page.on('pageerror', (e) => pageErrors.push(e));
}, { timeout: 600_000 });

after(async () => {
  // The browser, the client, then the processes (the last started first), each even if another
  // step failed; a process that does not stop on SIGTERM within 20 s is killed.
  try { await browser?.close(); } catch (e) { console.error(`closing Chromium: ${e}`); }
  try { await api?.disconnect(); } catch (e) { console.error(`disconnecting: ${e}`); }
  for (const name of [...procs.children.keys()].reverse()) {
    const child = procs.children.get(name);
    const stopped = procs.stop(name);
    const timeout = new Promise((resolve) => { setTimeout(resolve, 20_000, 'timeout').unref(); });
    if ((await Promise.race([stopped, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await stopped;
    }
  }
  console.log(`explorer browser test: logs in ${work}, screenshots in ${shots}`);
}, { timeout: 120_000 });

// Whatever happens to the test runner, no process is left behind.
process.once('exit', () => {
  for (const child of procs.children.values()) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

test('Ferdie asks for a digits inference through polkadot.js: it is served and paid with receipts', { timeout: 600_000 }, async () => {
  const line = gunzipSync(readFileSync(join(root, 'inference-offchain/data/digits.csv.gz'))).toString().trim().split('\n')[0];
  const pixels = line.split(',').map(Number).slice(0, 64);
  const { events, error } = await send(api, api.tx.inference.request(digitsModel, u8aToHex(Uint8Array.from(pixels)), 10n ** 12n, null), ferdie);
  assert.equal(error, null);
  const requested = events.find((e) => e.section === 'inference' && e.method === 'JobRequested');
  assert.ok(requested, 'JobRequested');
  const id = requested.data.job.toNumber();

  const done = await withLog('bob', until(`job ${id} to end`, async () => {
    assertRunning('bob');
    const j = await api.query.inference.jobs(id);
    if (j.isNone) return null;
    const v = j.unwrap();
    return v.phase.isDone ? v : null;
  }, 300_000));
  assert.ok(done.phase.asDone.isServed, `job ${id}: ${done.phase.toString()}\n${tail('bob')}`);
  const ids = (await api.query.inference.jobReceipts(id)).map((r) => r.toNumber());
  assert.ok(ids.length >= 1, `job ${id} has receipts`);
  [job, receiptIds] = [id, ids];
});

test('the explorer indexes the finalized job with its trail and receipts (JSON mirror)', { timeout: 300_000 }, async () => {
  assert.ok(job !== undefined, 'no job: the previous test failed');
  // The explorer writes finalized blocks only: wait for the settlement to be finalized and read.
  const view = await withLog('explorer', until(`the explorer to show job ${job} with ${receiptIds.length} receipt(s)`, async () => {
    const status = await explorerJson('/api/status');
    if (status?.stopped) throw new Error(`the indexer stopped: ${status.error}`);
    const v = await explorerJson(`/api/job/${job}`);
    return v && v.receipts.length === receiptIds.length ? v : null;
  }, 240_000));
  assert.equal(view.job.id, job);
  assert.equal(view.job.consumer, ferdie.address);
  assert.equal(view.job.model, digitsModel);
  assert.deepEqual(view.receipts.map((r) => r.id).sort((a, b) => a - b), [...receiptIds].sort((a, b) => a - b));
  assert.equal(view.trail[0].step, 'JobRequested');
  assert.ok(view.trail.some((s) => s.step === 'JobServed'), JSON.stringify(view.trail.map((s) => s.step)));
  for (const id of receiptIds) {
    const r = await explorerJson(`/api/receipt/${id}`);
    assert.ok(r, `receipt ${id} in the JSON API`);
    assert.equal(r.receipt.job, job);
    assert.equal(r.check?.matches, true, `the explorer's recomputation of receipt ${id}: ${JSON.stringify(r.check)}`);
  }
  // The worker's profile: its registration as the chain has it now, its receipts and earnings.
  const receipts = await Promise.all(receiptIds.map(async (id) => (await api.call.economicsApi.receipt(id)).unwrap()));
  const bobsReceipts = receipts.filter((r) => r.worker.toString() === bob.address);
  assert.ok(bobsReceipts.length >= 1, 'Bob served the job');
  const worker = await explorerJson(`/api/worker/${bob.address}`);
  assert.ok(worker, 'Bob has a worker page');
  const registration = (await api.query.workers.workers(bob.address)).unwrap();
  assert.equal(worker.registration?.bond?.toString(), registration.bond.toString(), JSON.stringify(worker.registration));
  assert.equal(worker.receipts.length, bobsReceipts.length);
  assert.equal(worker.earned, bobsReceipts.reduce((sum, r) => sum + r.minted.toBigInt(), 0n).toString());
  // The models: the digits model with its one job.
  const { models } = await explorerJson('/api/models');
  const digits = models.find((m) => m.id === digitsModel);
  assert.ok(digits, JSON.stringify(models));
  assert.equal(digits.jobs, 1);
});

test('in Chromium: search for Ferdie, open a lot, follow the job to its trail and its receipts', { timeout: 300_000 }, async () => {
  assert.ok(job !== undefined, 'no job: a previous test failed');

  // Home, then Ferdie's address typed into the header's search box.
  await page.goto(`${base}/`);
  await page.locator('#latest-blocks tbody a[href^="/block/"]').first().waitFor();
  console.log(`screenshot: ${await shot('home')}`);
  const search = page.locator('header form[role="search"]');
  await search.locator('input[name="q"]').fill(ferdie.address);
  await follow(search.locator('button[type="submit"]'), `/account/${ferdie.address}`);

  // Credits now, against CreditsApi::account_summary at the finalized head (what the page reads;
  // Ferdie does nothing more after the job, so nothing moves in between).
  const finalized = await api.rpc.chain.getFinalizedHead();
  const summary = await (await api.at(finalized)).call.creditsApi.accountSummary(ferdie.address);
  assert.equal((await page.locator('#spendable').textContent()).trim(), credUnit(summary.spendable.toBigInt()));
  assert.equal((await page.locator('#held').textContent()).trim(), credUnit(summary.held.toBigInt()));
  const lots = page.locator('div#lots details.lot');
  assert.ok(summary.lots.length >= 1, 'Ferdie has lots (the genesis endowment)');
  assert.equal(await lots.count(), summary.lots.length, 'one lot on the page per lot of the runtime');

  // A lot opens on a click on its summary and shows its detail.
  const lot = lots.first();
  const day = Number((await lot.getAttribute('id')).replace(/^lot-/, ''));
  const runtimeLot = summary.lots.find((l) => l.expiresOnDay.toNumber() === day);
  assert.ok(runtimeLot, `the runtime has a lot expiring on day ${day}`);
  const detail = lot.locator('dl.lot-detail');
  assert.equal(await detail.isVisible(), false, 'the lot detail is closed at first');
  const summaryText = await lot.locator('summary').textContent();
  assert.ok(summaryText.includes(credUnit(runtimeLot.amount.toBigInt())) && summaryText.includes(String(day)), summaryText);
  await lot.locator('summary').click();
  await detail.waitFor({ state: 'visible' });
  assert.equal(await lot.evaluate((d) => d.open), true);
  assert.equal(await detail.locator('dd.lot-amount').getAttribute('data-raw'), runtimeLot.amount.toString());
  assert.equal((await detail.locator('dd.lot-day').textContent()).trim(), String(day));
  // The JSON mirror says the same.
  const mirror = await explorerJson(`/api/account/${ferdie.address}`);
  assert.ok(mirror.credits, `the explorer reads the runtime: ${mirror.credits_error}`);
  assert.deepEqual(mirror.credits.lots.map((l) => [l.amount, l.expires_on_day]),
    summary.lots.map((l) => [l.amount.toString(), l.expiresOnDay.toNumber()]));

  // The ledger has the job's escrow and its burn; the CSV export has every movement.
  const movements = page.locator('section#ledger table#movements tbody tr');
  const kinds = await movements.evaluateAll((rows) => rows.map((r) => r.children[1].textContent.trim()));
  assert.ok(kinds.includes('held') && kinds.includes('burned'), `movements: ${kinds}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a#csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'block,event,kind,amount_cred,amount_raw,counterparty,detail');
  assert.equal(csv.length - 1, kinds.length, 'one CSV line per movement');
  console.log(`screenshot: ${await shot('account')}`);

  // The job, from the account's jobs.
  await follow(page.locator(`section#jobs a[href="/job/${job}"]`), `/job/${job}`);
  const steps = page.locator('ol.trail li.step[data-step]');
  const trail = await steps.evaluateAll((items) => items.map((li) => {
    const link = li.querySelector('a[href*="#event-"]');
    return { step: li.dataset.step, href: link?.getAttribute('href') };
  }));
  const names = trail.map((s) => s.step);
  assert.ok(trail.length >= 4, `several steps: ${names}`);
  assert.equal(names[0], 'JobRequested', `the request comes first: ${names}`);
  let last = -1;
  for (const step of ['JobRequested', 'JobAssigned', 'Committed', 'JobServed']) {
    const at = names.indexOf(step, last + 1);
    assert.ok(at > last, `${step} after the steps before it: ${names}`);
    last = at;
  }
  // Each step links to its event, and they are in chain order.
  const where = trail.map(({ step, href }) => {
    const m = /^\/block\/(\d+)#event-(\d+)$/.exec(href ?? '');
    assert.ok(m, `step ${step} links to its block and event: ${href}`);
    return [Number(m[1]), Number(m[2])];
  });
  for (let i = 1; i < where.length; i++) {
    assert.ok(where[i][0] > where[i - 1][0] || (where[i][0] === where[i - 1][0] && where[i][1] > where[i - 1][1]),
      `steps in chain order: ${JSON.stringify(where)}`);
  }
  console.log(`screenshot: ${await shot('job')}`);

  // The request's link opens its block at the event.
  const [reqBlock, reqEvent] = where[0];
  await follow(steps.first().locator('a[href*="#event-"]'), `/block/${reqBlock}#event-${reqEvent}`);
  assert.match(await page.locator(`tr#event-${reqEvent}`).textContent(), /Inference\.JobRequested/);
  await page.goBack();
  await page.waitForURL(`${base}/job/${job}`);

  // Each receipt, from the job's page: the page's raw values are the runtime's
  // (EconomicsApi::receipt) and its recomputation holds.
  const hrefs = await page.locator('main a[href^="/receipt/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
  assert.deepEqual(hrefs.map((h) => Number(h.replace('/receipt/', ''))).sort((a, b) => a - b), [...receiptIds].sort((a, b) => a - b));
  for (const [i, href] of hrefs.entries()) {
    if (i > 0) {
      await page.goBack();
      await page.waitForURL(`${base}/job/${job}`);
    }
    await follow(page.locator(`main a[href="${href}"]`).first(), href);
    const id = Number(href.replace('/receipt/', ''));
    const receipt = await api.call.economicsApi.receipt(id);
    assert.ok(receipt.isSome, `EconomicsApi::receipt(${id})`);
    const r = receipt.unwrap();
    const cells = {
      '#t': r.tCompute, '#eta': r.eta, '#reference': r.referenceWork, '#alpha': r.alpha, '#beta': r.beta,
      '#earned': r.earned, '#minted-cell': r.minted, '#withheld': r.withheld,
    };
    for (const [cell, value] of Object.entries(cells)) {
      assert.equal(await page.locator(`td${cell}`).getAttribute('data-raw'), value.toBigInt().toString(), `receipt ${id}: ${cell}`);
    }
    const check = page.locator('p#check');
    assert.ok((await check.getAttribute('class')).split(/\s+/).includes('ok'), `receipt ${id}: ${await check.textContent()}`);
    assert.ok((await check.textContent()).includes('✔'));
    assert.ok((await page.locator('main').textContent()).includes(r.worker.toString().slice(0, 8)), 'the paid worker is named');
    console.log(`screenshot: ${await shot(i === 0 ? 'receipt' : `receipt-${id}`)}`);
  }
  assert.deepEqual(pageErrors, [], 'no script error on the pages');
});

test('in Chromium: the home page adds newly finalized blocks live, without a reload', { timeout: 180_000 }, async () => {
  assert.ok(page, 'no browser: setup failed');
  await follow(page.locator('header a[href="/"]').first(), '/');
  const rows = page.locator('#latest-blocks tbody a[href^="/block/"]');
  await rows.first().waitFor();
  const highest = Math.max(...(await rows.evaluateAll((as) => as.map((a) => Number(a.getAttribute('href').replace('/block/', ''))))));
  // A mark that a reload would wipe.
  await page.evaluate(() => { window.declaiNoReload = true; });
  const handle = await page.waitForFunction((h) => {
    const links = [...document.querySelectorAll('#latest-blocks tbody a[href^="/block/"]')];
    const newer = links.map((a) => Number(a.getAttribute('href').replace('/block/', ''))).filter((n) => n > h);
    return newer.length ? Math.max(...newer) : null;
  }, highest, { timeout: 120_000, polling: 500 });
  const newest = await handle.jsonValue();
  assert.ok(newest > highest);
  assert.equal(await page.evaluate(() => window.declaiNoReload), true, 'the page was not reloaded');
  const row = page.locator(`#latest-blocks tbody tr:has(a[href="/block/${newest}"])`);
  assert.ok((await row.getAttribute('class') ?? '').split(/\s+/).includes('live'), 'the row was added by the live script');
  console.log(`screenshot: ${await shot('home-live')}`);
  assert.deepEqual(pageErrors, [], 'no script error on the pages');
});
