// Economics through @polkadot/api with no custom types: the runtime API, the JSON-RPC method,
// storage, and the governance setters (through sudo). Needs a running dev node (scripts/test.sh
// starts one); DECLAI_WS overrides the endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, send as sendWith, sudoResult as sudoResultOf } from './support.mjs';

const CRED = 10n ** 12n;
const ONE = 10n ** 18n; // FixedU128 1.0
const GPU_HOUR = 10n ** 12n;
let api;
let alice;
let bob;

before(async () => {
  let keyring;
  ({ api, keyring } = await connect());
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  await api?.disconnect();
});

const send = (tx, signer) => sendWith(api, tx, signer);

const sudoResult = (events) => sudoResultOf(api, events);

const sudo = (call) => send(api.tx.sudo.sudo(call), alice);

test('the runtime API describes the economy at genesis', async () => {
  const e = await api.call.economicsApi.economics();
  assert.equal(e.alpha.toBigInt(), ONE);
  assert.equal(e.beta.toBigInt(), ONE);
  assert.equal(e.eta.length, 6);
  const eta = Object.fromEntries(e.eta.map(([cls, v]) => [cls.toString(), v.toBigInt()]));
  // The reference GPU is the A100; the H100 (2.09× in MLPerf) is clamped to 2, the L4 (0.30×) to 0.5.
  assert.equal(eta.A100, ONE);
  assert.equal(eta.H100, 2n * ONE);
  assert.equal(eta.L4, ONE / 2n);
  assert.equal(eta.Rtx4090, (108n * ONE) / 100n);
  // Circulation is the credits ledger's issuance; with no consumption yet the cap is the floor.
  assert.equal(e.circulation.toBigInt(), (await api.query.credits.totalIssuance()).toBigInt());
  assert.equal(e.limits.circulationPercent.toNumber(), 50);
  assert.equal(e.circulationCap.toBigInt(), 1_000_000n * CRED);
  assert.equal(e.circulationHeadroom.toBigInt(), e.circulationCap.toBigInt() - e.circulation.toBigInt());
  // The hourly mint ceiling: its floor until there is a day of minting to scale it (300% of the
  // recent hourly mean).
  assert.equal(e.limits.epochMintFloor.toBigInt(), 10_000n * CRED);
  assert.equal(e.limits.epochMintPercent.toNumber(), 300);
  assert.equal(e.epochMintCeiling.toBigInt(), 10_000n * CRED);
  // Nothing consumed yet: no days-held figure, and the supply counts as more than enough.
  assert.ok(e.daysHeld.isNone);
  assert.equal(e.regime.toString(), 'Shrink');
  // The bootstrap issuance is off on the dev chain.
  assert.equal(e.bootstrap.matchShare.toNumber(), 0);
  assert.equal(e.bootstrapTarget.toBigInt(), 0n);
  assert.equal(e.mintPaused.isTrue, false);
  // What work would earn, and what a job costs at α = β = 1. One reference GPU-hour on an H100: 1/2.093 h × η 2, never more than the reference hour.
  assert.equal((await api.call.economicsApi.estimate('H100', GPU_HOUR)).toBigInt(), (GPU_HOUR * 1000n / 2093n) * 2n);
  assert.equal((await api.call.economicsApi.quote(3n * GPU_HOUR)).toBigInt(), 3n * CRED);
  assert.ok((await api.call.economicsApi.receipt(0)).isNone, 'no settlement yet');
});

test('declai_economics serves the same figures over JSON-RPC', async () => {
  const rpc = await api._rpcCore.provider.send('declai_economics', []);
  const e = await api.call.economicsApi.economics();
  assert.equal(rpc.alpha, '1.000000000000000000');
  assert.equal(rpc.beta, '1.000000000000000000');
  // Nothing consumed: the stock counts as above 14 days, so β aims at earned/consumed = 0.97.
  assert.equal(rpc.regime, 'shrink');
  assert.equal(rpc.daysHeld, null);
  assert.equal(rpc.aim, '0.970000000000000000');
  assert.equal(rpc.epochMintPercent, 300);
  assert.equal(rpc.bootstrapTarget, '0');
  assert.deepEqual(rpc.eta.find(([c]) => c === 'h100'), ['h100', '2.000000000000000000']);
  assert.equal(BigInt(rpc.circulationCap), e.circulationCap.toBigInt());
  assert.equal(rpc.circulationPercent, 50);
  assert.equal(rpc.nextReceipt, 0);
  assert.equal(await api._rpcCore.provider.send('declai_receipt', [0]), null);
});

test('governance sets η within bounds; out of bounds is a named error', async () => {
  const { events, error } = await sudo(api.tx.economics.setEta('L4', (3n * ONE) / 4n));
  assert.equal(error, null);
  assert.equal(sudoResult(events), null);
  const set = events.find((e) => e.section === 'economics' && e.method === 'EtaSet');
  assert.ok(set, 'an EtaSet event');
  assert.equal(set.data.eta.toBigInt(), (3n * ONE) / 4n);
  assert.equal((await api.query.economics.eta('L4')).unwrap().toBigInt(), (3n * ONE) / 4n);

  const bad = await sudo(api.tx.economics.setEta('L4', 3n * ONE));
  assert.equal(sudoResult(bad.events), 'economics.EtaOutOfBounds');
  assert.equal((await api.query.economics.eta('L4')).unwrap().toBigInt(), (3n * ONE) / 4n, 'unchanged');
});

test('setters are governance-only', async () => {
  const { events, error } = await send(api.tx.economics.setMintPaused(true), bob);
  assert.equal(error, 'BadOrigin');
  assert.ok(events.some((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid'));
  assert.equal((await api.query.economics.mintPaused()).isTrue, false);
});

test('mint pause and supply limits through governance', async () => {
  let r = await sudo(api.tx.economics.setMintPaused(true));
  assert.equal(sudoResult(r.events), null);
  assert.equal((await api.call.economicsApi.economics()).mintPaused.isTrue, true);
  r = await sudo(api.tx.economics.setMintPaused(false));
  assert.equal(sudoResult(r.events), null);
  assert.equal((await api.call.economicsApi.economics()).mintPaused.isTrue, false);

  const limits = { circulationPercent: 19, bootstrapCirculation: 1_000_000n * CRED, epochMintFloor: 10_000n * CRED, epochMintPercent: 300 };
  r = await sudo(api.tx.economics.setSupplyLimits(limits));
  assert.equal(sudoResult(r.events), 'economics.InvalidSupplyLimits');
  r = await sudo(api.tx.economics.setSupplyLimits({ ...limits, circulationPercent: 120 }));
  assert.equal(sudoResult(r.events), null);
  const e = await api.call.economicsApi.economics();
  assert.equal(e.limits.circulationPercent.toNumber(), 120);
  // 46% of the 30-day window is 13.8 days of consumption: below the controller's shrink threshold (14).
  r = await sudo(api.tx.economics.setSupplyLimits({ ...limits, circulationPercent: 46 }));
  assert.equal(sudoResult(r.events), 'economics.CapBelowShrink');
  assert.equal((await api.call.economicsApi.economics()).limits.circulationPercent.toNumber(), 120);
  r = await sudo(api.tx.economics.setSupplyLimits({ ...limits, circulationPercent: 50 }));
  assert.equal(sudoResult(r.events), null);
});

test('the α curve and β controller are validated', async () => {
  const bad = await sudo(api.tx.economics.setAlphaCurve({
    idle: 900_000_000, normalLow: 500_000_000, normalHigh: 800_000_000, peak: (6n * ONE) / 5n,
  }));
  assert.equal(sudoResult(bad.events), 'economics.InvalidAlphaCurve');
  const controller = {
    damping: 800_000_000, maxStep: 20_000_000, deadband: 10_000_000, shrink: 30_000_000,
    growBelowDays: 7, shrinkAboveDays: 14, min: ONE / 10n, max: 10n * ONE,
  };
  const ok = await sudo(api.tx.economics.setController(controller));
  assert.equal(sudoResult(ok.events), null);
  const tooWide = await sudo(api.tx.economics.setController({ ...controller, max: 50n * ONE }));
  assert.equal(sudoResult(tooWide.events), 'economics.InvalidController');
  // shrink + deadband may not exceed 5%: the settled ratio must stay inside 0.95..=1.05.
  const tooLoose = await sudo(api.tx.economics.setController({ ...controller, shrink: 45_000_000 }));
  assert.equal(sudoResult(tooLoose.events), 'economics.InvalidController');
  const inverted = await sudo(api.tx.economics.setController({ ...controller, growBelowDays: 20 }));
  assert.equal(sudoResult(inverted.events), 'economics.InvalidController');
  // The circulation cap is 50% of 30 days = 15 days of consumption: shrinking only above 16 does not fit.
  const aboveCap = await sudo(api.tx.economics.setController({ ...controller, shrinkAboveDays: 16 }));
  assert.equal(sudoResult(aboveCap.events), 'economics.CapBelowShrink');
});

test('the bootstrap issuance is bounded and set by governance only', async () => {
  const params = {
    matchShare: 1_000_000_000, perWorker: 50n * CRED, capacityShare: 250_000_000,
    dailyShare: 100_000_000, sunsetDailyConsumption: 100_000n * CRED,
  };
  const tooMuch = await sudo(api.tx.economics.setBootstrap({ ...params, perWorker: 1_001n * CRED }));
  assert.equal(sudoResult(tooMuch.events), 'economics.InvalidBootstrap');
  const notGov = await send(api.tx.economics.setBootstrap(params), bob);
  assert.equal(notGov.error, 'BadOrigin');
  const ok = await sudo(api.tx.economics.setBootstrap(params));
  assert.equal(sudoResult(ok.events), null);
  assert.ok(ok.events.some((e) => e.section === 'economics' && e.method === 'BootstrapSet'));
  const e = await api.call.economicsApi.economics();
  assert.equal(e.bootstrap.perWorker.toBigInt(), 50n * CRED);
  // Off again, so the other tests see the dev chain's genesis economics.
  const off = await sudo(api.tx.economics.setBootstrap({ ...params, matchShare: 0 }));
  assert.equal(sudoResult(off.events), null);
});
