// Attacks on Proof of Inference through a real node (issue 14; docs/threat-model.md): a
// self-dealing consumer with its own slow-declared workers, zero-bond registrations that try to
// fill a model's candidate list, and a burst of rate-limited requests. The suite starts its own
// dev node (so the other suites see a chain these attacks never touched) and talks to it with
// @polkadot/api as Polkadot-JS Apps would.
//
// Needs DECLAI_NODE (the built node); scripts/test.sh sets it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { send as sendWith, sudoResult, Processes, until, startDevNode, outputCommitment, attestation } from './support.mjs';

const NODE = process.env.DECLAI_NODE;
const CRED = 10n ** 12n;
const GPU_HOUR = 10n ** 12n;
const COST = GPU_HOUR / 100n;
const work = mkdtempSync(join(tmpdir(), 'declai-attacks-e2e-'));
const procs = new Processes(work);
let api, keyring, alice;

const send = (tx, signer) => sendWith(api, tx, signer);
const sudo = async (call) => {
  const r = await send(api.tx.sudo.sudo(call), alice);
  return { ...r, error: r.error ?? sudoResult(api, r.events) };
};

before(async () => {
  assert.ok(NODE && existsSync(NODE), 'DECLAI_NODE must point at the built node');
  const ws = await startDevNode(procs, NODE);
  api = await ApiPromise.create({ provider: new WsProvider(ws), noInitWarn: true, throwOnConnect: true });
  keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  alice = keyring.addFromUri('//Alice');
});

after(async () => {
  await api?.disconnect();
  await procs.stopAll();
});

/// Registers a float model of cost COST through sudo; returns its id.
async function registerModel(name) {
  const id = (await api.query.inference.nextModelId()).toNumber();
  const r = await sudo(api.tx.inference.registerModel({
    name: u8aToHex(stringToU8a(name)),
    kind: 'Embedding',
    weightsRoot: u8aToHex(blake2AsU8a(stringToU8a(`${name} weights`))),
    cost: COST,
    maxInput: 64,
    maxOutput: 16,
    tier: { FloatTolerance: { maxErrorPpm: 1000 } },
    layers: [],
    premium: false,
    verifyingKey: '0x',
  }));
  assert.equal(r.error, null);
  return id;
}

/// Sends `amount` from Alice to each of `accounts`, all in flight at once (explicit nonces).
async function fund(accounts, amount) {
  let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  await Promise.all(accounts.map((a) => new Promise((resolve, reject) => {
    api.tx.credits.transfer(a.address, amount).signAndSend(alice, { nonce: nonce++ }, ({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      if (status.isInBlock) resolve();
    }).catch(reject);
  })));
}

/// Credits an account owns: spendable and held.
async function owned(who) {
  const s = await api.call.creditsApi.accountSummary(who.address);
  return s.spendable.toBigInt() + s.held.toBigInt();
}

test('self-dealing: a consumer served by its own slow-declared workers mints no more than it burns', async () => {
  const model = await registerModel('self-dealt');
  const dave = keyring.addFromUri('//Dave');
  const sybils = [keyring.addFromUri('//Dave//w1'), keyring.addFromUri('//Dave//w2')];
  const hardware = [keyring.addFromUri('//Dave//w1//hw'), keyring.addFromUri('//Dave//w2//hw')];
  await fund(sybils, 100n * CRED);
  // The slowest class: on spec 108 each replica was paid its cost on an RTX 3060 (5.88 × T_ref)
  // at η 0.5, while the consumer paid T_ref once.
  for (const [i, w] of sybils.entries()) {
    const r = await send(api.tx.workers.register({ Sr25519: hardware[i].publicKey }, 'Rtx3060', 1, [model], 10n * CRED), w);
    assert.equal(r.error, null);
  }
  const set = [dave, ...sybils];
  const before = (await Promise.all(set.map(owned))).reduce((a, b) => a + b, 0n);

  const input = stringToU8a('self-dealt job');
  let r = await send(api.tx.inference.request(model, u8aToHex(input), CRED, null), dave);
  assert.equal(r.error, null);
  const requested = r.events.find((e) => e.section === 'inference' && e.method === 'JobRequested');
  const job = requested.data.job.toNumber();
  const price = requested.data.price.toBigInt();
  await until(`job ${job} assigned`, async () => (await api.query.inference.jobs(job)).unwrap().replicas.length > 0, 60_000);
  const assigned = (await api.query.inference.jobs(job)).unwrap().replicas.map((x) => x.worker.toString());
  assert.deepEqual([...assigned].sort(), sybils.map((w) => w.address).sort(), 'the two colluding workers serve the job');

  // Both run "the model" (any agreed bytes) and report the time an RTX 3060 would take.
  const output = u8aConcat(...[0.5, -0.25, 0.125, 0.0625].map((x) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return b;
  }));
  const modelRoot = (await api.query.inference.models(model)).unwrap().weightsRoot.toU8a();
  const execMicros = 36_000_000n * 1000n / 170n;
  for (const [i, w] of sybils.entries()) {
    const salt = blake2AsU8a(stringToU8a(`salt ${i}`));
    const commit = outputCommitment(job, w, output, salt);
    const sig = hardware[i].sign(attestation(job, modelRoot, blake2AsU8a(input), commit, execMicros));
    r = await send(api.tx.inference.commit(job, commit, { execMicros }, { Sr25519: sig }), w);
    assert.equal(r.error, null);
  }
  for (const [i, w] of sybils.entries()) {
    r = await send(api.tx.inference.reveal(job, u8aToHex(output), blake2AsU8a(stringToU8a(`salt ${i}`)), new Uint8Array(32)), w);
    assert.equal(r.error, null);
  }
  if (r.events.some((e) => e.section === 'inference' && e.method === 'AuditStarted')) {
    // Spot checked: the auditor confirms.
    r = await send(api.tx.inference.audit(job, [100, 100]), alice);
    assert.equal(r.error, null);
  }
  const done = await until(`job ${job} to end`, async () => {
    const j = (await api.query.inference.jobs(job)).unwrap();
    return j.phase.isDone ? j : null;
  }, 60_000);
  assert.ok(done.phase.asDone.isServed);
  let minted = 0n;
  for (const id of await api.query.inference.jobReceipts(job)) {
    const receipt = (await api.query.economics.receipts(id)).unwrap();
    // Each paid for its half of the reference work, never more.
    assert.equal(receipt.referenceWork.toBigInt(), COST / 2n);
    minted += receipt.minted.toBigInt();
  }
  assert.ok(minted <= price, `minted ${minted} > burned ${price}`);
  // With the fees they paid, the colluding set ends poorer than it started.
  const after = (await Promise.all(set.map(owned))).reduce((a, b) => a + b, 0n);
  assert.ok(after < before, `the set went from ${before} to ${after}`);
});

test('zero-bond registrations take at most half of a model\'s list; bonded workers still join', async () => {
  const model = await registerModel('contested');
  const max = api.consts.workers.maxWorkersPerModel.toNumber();
  const half = Math.ceil(max / 2);
  const sybils = Array.from({ length: half + 1 }, (_, i) => keyring.addFromUri(`//Sybil/${i}`));
  await fund(sybils, CRED);
  const register = (w, i, bond) => new Promise((resolve, reject) => {
    const key = keyring.addFromUri(`//Sybil/${i}//hw`).publicKey;
    api.tx.workers.register({ Sr25519: key }, 'Cpu', 1, [model], bond).signAndSend(w, { nonce: -1 }, ({ status, dispatchError }) => {
      if (!status.isInBlock) return;
      resolve(dispatchError?.isModule ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule)) : null);
    }).catch(reject);
  });
  const results = await Promise.all(sybils.slice(0, half).map((w, i) => register(w, i, 0)));
  assert.ok(results.every((e) => e === null), JSON.stringify(results.filter((e) => e)));
  // The list is half full of probation workers: one more zero-bond worker is refused by name.
  assert.equal(await register(sybils[half], half, 0), 'workers.BondRequired');
  // A bonded worker joins.
  const bob = keyring.addFromUri('//Bob');
  const r = await send(api.tx.workers.register({ Sr25519: keyring.addFromUri('//Bob//hw').publicKey }, 'A100', 1, [model], 10n * CRED), bob);
  assert.equal(r.error, null);
  // A zero-bond worker is never trusted: always replicated.
  const view = await api._rpcCore.provider.send('declai_worker', [sybils[0].address]);
  assert.equal(view.auditPpm, null);
});

test('requests over the rate limit that reach a block pay their fee and fail by name', async () => {
  const model = await registerModel('rate-limited');
  const ferdie = keyring.addFromUri('//Ferdie');
  const limit = api.consts.inference.freeRiderRequests.toNumber();
  let nonce = (await api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
  // All in flight at once: the pool checks each against the same on-chain count.
  const outcomes = await Promise.all(Array.from({ length: limit + 5 }, () => new Promise((resolve, reject) => {
    api.tx.inference.request(model, u8aToHex(stringToU8a('x')), CRED, null).signAndSend(ferdie, { nonce: nonce++ }, ({ status, dispatchError, events }) => {
      if (!status.isInBlock) return;
      const error = dispatchError?.isModule ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule)) : null;
      const fee = events.find(({ event }) => event.section === 'transactionPayment' && event.method === 'TransactionFeePaid');
      resolve({ error, paid: fee !== undefined });
    }).catch((e) => resolve({ error: `pool: ${e.message}`, paid: false }));
  })));
  const included = outcomes.filter((o) => !o.error?.startsWith('pool:'));
  const limited = included.filter((o) => o.error === 'inference.RateLimited');
  assert.equal(included.filter((o) => o.error === null).length, limit, JSON.stringify(outcomes));
  // Those over the limit were not dropped from the block for free: included, charged, refused.
  assert.ok(limited.length > 0, JSON.stringify(outcomes));
  assert.ok(limited.every((o) => o.paid), 'each refused request paid its fee');
});
