// End to end with real processes: a dev node (started here, on its own ports), the declai-worker
// binary as two honest workers (Bob, Charlie), a dishonest one (Dave, test-only mode) and an
// auditor (Alice), and a consumer (Ferdie) that asks through @polkadot/api, as Polkadot-JS Apps
// would.
//
// Needs DECLAI_NODE, DECLAI_WORKER (built binaries) and DECLAI_MINILM_DIR (scripts/setup.sh);
// scripts/test.sh sets them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { bnToU8a, stringToU8a, u8aConcat, u8aToHex, stringToHex, hexToU8a } from '@polkadot/util';
import { send, sudoResult, EventLog, Processes, sleep, until, startDevNode } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = process.env.DECLAI_NODE;
const WORKER = process.env.DECLAI_WORKER;
const MINILM = process.env.DECLAI_MINILM_DIR;
const work = mkdtempSync(join(tmpdir(), 'declai-worker-e2e-'));
let api, keyring, ws, alice, ferdie, bob, charlie, dave, models, events;
// The models every honest worker serves (digits, MiniLM, the hidden-weights digits).
let both;

const procs = new Processes(work);
const start = (name, bin, args) => procs.start(name, bin, args);
const stop = (name, signal) => procs.stop(name, signal);
const tail = (name) => procs.tail(name);

function workerArgs(name, account, extra = []) {
  return ['run', '--node', ws, '--account', account, '--state-dir', join(work, name), '--status-addr', '',
    '--class', 'cpu', '--bond', '10', ...extra];
}

// The committed digits model and data, and the exact integer forward pass (the chain's semantics).
const digitsModel = JSON.parse(readFileSync(join(root, 'inference-offchain/models/digits-mlp.json'), 'utf8'));
const digitsData = gunzipSync(readFileSync(join(root, 'inference-offchain/data/digits.csv.gz'))).toString()
  .trim().split('\n').map((line) => { const v = line.split(',').map(Number); return { pixels: v.slice(0, 64), label: v[64] }; });
function integerForward(pixels) {
  let x = pixels.map(BigInt);
  let rowIndex = 0;
  let y;
  digitsModel.layers.forEach((layer, l) => {
    y = [];
    for (let o = 0; o < layer.outputs; o++) {
      const row = digitsModel.rows[rowIndex++];
      let acc = BigInt(row[layer.inputs]);
      for (let i = 0; i < layer.inputs; i++) acc += BigInt(row[i]) * x[i];
      y.push(acc);
    }
    if (l + 1 < digitsModel.layers.length) {
      x = y.map((v) => { const r = (v > 0n ? v : 0n) >> BigInt(layer.shift); return r > 127n ? 127n : r; });
    }
  });
  return y.map(Number);
}
const decodeI32s = (bytes) => Array.from({ length: bytes.length / 4 }, (_, i) => new DataView(bytes.buffer, bytes.byteOffset + 4 * i, 4).getInt32(0, true));
const decodeF32s = (bytes) => Array.from({ length: bytes.length / 4 }, (_, i) => new DataView(bytes.buffer, bytes.byteOffset + 4 * i, 4).getFloat32(0, true));
const argmax = (v) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

async function requestJob(model, inputHex, consumer = ferdie) {
  const { events: evs, error } = await send(api, api.tx.inference.request(model, inputHex, 10n ** 12n, null), consumer);
  assert.equal(error, null);
  const requested = evs.find((e) => e.section === 'inference' && e.method === 'JobRequested');
  return { job: requested.data.job.toNumber(), price: requested.data.price.toBigInt() };
}

async function jobDone(job) {
  return until(`job ${job} to end`, async () => {
    const j = await api.query.inference.jobs(job);
    if (j.isNone) return null;
    const v = j.unwrap();
    return v.phase.isDone ? v : null;
  });
}

before(async () => {
  assert.ok(NODE && existsSync(NODE), 'DECLAI_NODE must point at the built node');
  assert.ok(WORKER && existsSync(WORKER), 'DECLAI_WORKER must point at the built worker');
  assert.ok(MINILM && existsSync(join(MINILM, 'model.safetensors')), 'DECLAI_MINILM_DIR must hold the MiniLM model (scripts/setup.sh)');
  ws = await startDevNode(procs, NODE);
  api = await ApiPromise.create({ provider: new WsProvider(ws), noInitWarn: true, throwOnConnect: true });
  events = new EventLog(api);
  keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  [alice, bob, charlie, dave, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Ferdie'].map((u) => keyring.addFromUri(u));

  // The digits model with hidden weights: its trusted setup (keys, salt, commitment) first.
  const zkDir = join(work, 'digits-zk');
  const setup = spawnSync(WORKER, ['zk-setup', '--model', join(root, 'inference-offchain/models/digits-mlp.json'), '--out', zkDir], { encoding: 'utf8' });
  assert.equal(setup.status, 0, `zk-setup failed: ${setup.stdout}${setup.stderr}`);
  const reg = spawnSync(WORKER, ['register-models', '--node', ws, '--sudo', '//Alice', '--digits',
    join(root, 'inference-offchain/models/digits-mlp.json'), '--minilm', MINILM, '--zk', zkDir], { encoding: 'utf8' });
  assert.equal(reg.status, 0, `register-models failed: ${reg.stdout}${reg.stderr}`);
  models = Object.fromEntries((await api.query.inference.models.entries()).map(([k, v]) => [v.unwrap().name.toUtf8(), k.args[0].toNumber()]));
  assert.ok('digits-mlp-v1' in models && 'all-minilm-l6-v2' in models && 'digits-mlp-v1-zk' in models, JSON.stringify(models));

  both = ['--digits', join(root, 'inference-offchain/models/digits-mlp.json'), '--minilm', MINILM, '--zk', zkDir];
  start('bob', WORKER, workerArgs('bob', '//Bob', both));
  start('charlie', WORKER, workerArgs('charlie', '//Charlie', both));
  start('alice-auditor', WORKER, workerArgs('alice', '//Alice', [...both, '--audit', '--audit-only']));
  for (const w of [bob, charlie]) {
    await until(`${w.address} to register`, async () => (await api.query.workers.workers(w.address)).isSome, 120_000);
  }
});

after(async () => {
  // Workers first (gracefully), the node last.
  await procs.stopAll();
  await api?.disconnect();
});

const findEvent = (method, who, pred = () => true) => events.find('workers', method, (e) => e.data.who.toString() === who && pred(e));

test('the η check: each worker answers a benchmark challenge, the auditor re-runs it, the class is confirmed', async () => {
  for (const w of [bob, charlie]) {
    const confirmed = await until(`the class of ${w.address} to be confirmed`, async () => {
      const c = await api.query.workers.confirmed(w.address);
      return c.isSome ? c.unwrap() : null;
    }, 180_000);
    const id = confirmed.challenge.toBigInt();
    const ofThis = (e) => e.data.id.toBigInt() === id;
    // Issued from chain randomness the block after registration: 512 × 512, 100 reference
    // rounds scaled to the CPU class (597/1000).
    const issued = await findEvent('BenchmarkIssued', w.address, ofThis);
    assert.ok(issued, 'BenchmarkIssued');
    assert.equal(issued.data[3].toNumber(), 512); // `size`, by position: the name is taken by the Map's own property
    assert.equal(issued.data.rounds.toNumber(), 59);
    // seed = blake2(domain ‖ chain randomness of the issuing block's parent ‖ worker ‖ id); the
    // challenge was issued 20 blocks (the window) before its deadline.
    const issuedAt = issued.data.deadline.toNumber() - 20;
    const randomness = (await api.query.consensus.randomnessOf(issuedAt - 1)).unwrap();
    const seed = blake2AsU8a(u8aConcat(stringToU8a('declai/benchmark-seed/v1'), randomness,
      w.publicKey, bnToU8a(id, { bitLength: 64, isLe: true })), 256);
    assert.equal(issued.data.seed.toHex(), u8aToHex(seed), 'the seed comes from the chain randomness');
    const answered = await findEvent('BenchmarkAnswered', w.address, ofThis);
    assert.ok(answered && answered.data.micros.toBigInt() > 0n, 'BenchmarkAnswered with a time');
    const checked = await findEvent('BenchmarkChecked', w.address, ofThis);
    assert.ok(checked, 'BenchmarkChecked');
    assert.equal(checked.data.auditor.toString(), alice.address);
    assert.ok(checked.data.matches.isTrue, "the auditor's re-run gave the worker's digest");
    const passed = await findEvent('BenchmarkPassed', w.address, ofThis);
    assert.ok(passed, 'BenchmarkPassed');
    assert.equal(passed.data.class.toString(), 'Cpu');
    assert.equal(passed.data.micros.toBigInt(), answered.data.micros.toBigInt());
    // The auditor runs the same class (cpu): the reported time lies within ¼–3× of its time.
    assert.ok(passed.data.expectedMicros.isSome, 'a same-class auditor set the expected time');
    const [t, e] = [passed.data.micros.toBigInt(), passed.data.expectedMicros.unwrap().toBigInt()];
    assert.ok(4n * t >= e && t <= 3n * e, `${t} µs against ${e} µs expected`);
    const view = await api.call.inferenceApi.worker(w.address);
    assert.ok(view.unwrap().confirmed.isSome, 'the runtime API shows the confirmation');
  }
});

test('a digits image and a MiniLM text are served, verified and paid by the formula', async () => {
  const sample = digitsData[0];
  const expectedScores = integerForward(sample.pixels);
  const text = 'A man is eating food.';
  const fixture = JSON.parse(readFileSync(join(root, 'inference-offchain/tests/fixtures/minilm-reference.json'), 'utf8'))
    .sentences.find((s) => s.text === text);
  const heldBefore = (await api.call.creditsApi.accountSummary(ferdie.address)).held.toBigInt();

  const [digits, embed] = [await requestJob(models['digits-mlp-v1'], u8aToHex(Uint8Array.from(sample.pixels))),
    await requestJob(models['all-minilm-l6-v2'], stringToHex(text))];
  const [dj, ej] = await Promise.all([jobDone(digits.job), jobDone(embed.job)]);
  assert.ok(dj.phase.asDone.isServed, `digits job: ${dj.phase.toString()}\n${tail('bob')}`);
  assert.ok(ej.phase.asDone.isServed, `MiniLM job: ${ej.phase.toString()}\n${tail('bob')}`);

  // Results: the digits scores are bit-exact with the integer forward pass; the embedding is
  // within 1e-5 of the independent numpy reference.
  const scores = decodeI32s(hexToU8a((await api.query.inference.results(digits.job)).unwrap().toHex()));
  assert.deepEqual(scores, expectedScores);
  assert.equal(argmax(scores), sample.label);
  const embedding = decodeF32s(hexToU8a((await api.query.inference.results(embed.job)).unwrap().toHex()));
  assert.equal(embedding.length, 384);
  embedding.forEach((v, i) => assert.ok(Math.abs(v - fixture.embedding[i]) < 1e-5, `dim ${i}: ${v} vs ${fixture.embedding[i]}`));

  // The escrow was burned as consumption and nothing stays held.
  for (const { job, price } of [digits, embed]) {
    assert.ok(await events.some('credits', 'Burned', (e) => e.data.who.toString() === ferdie.address && e.data.amount.toBigInt() === price), `burn of job ${job}`);
    assert.ok(await events.some('economics', 'Consumed', (e) => e.data.amount.toBigInt() === price), `consumption of job ${job}`);
  }
  assert.equal((await api.call.creditsApi.accountSummary(ferdie.address)).held.toBigInt(), heldBefore);

  // Receipts: one per verified replica, each minted by C = min(T × η, reference work) × α / β
  // with the reference work the replica's share of the model's cost (the replicas share one
  // payment), T that work's time on the CPU class (597/1000 of the reference GPU) and η the CPU
  // class's; together never more than the consumer burned.
  for (const { job, price } of [digits, embed]) {
    const ids = await api.query.inference.jobReceipts(job);
    assert.ok(ids.length >= 1, `job ${job} has receipts`);
    let minted = 0n;
    const model = (await api.query.inference.models(job === digits.job ? models['digits-mlp-v1'] : models['all-minilm-l6-v2'])).unwrap();
    for (const id of ids) {
      const r = (await api.query.economics.receipts(id)).unwrap();
      assert.ok([bob.address, charlie.address].includes(r.worker.toString()));
      // Both classes were confirmed by the η check above: η is the CPU class's 0.597.
      assert.ok(r.classConfirmed.isTrue, 'the receipt records the confirmed class');
      assert.equal(r.eta.toBigInt(), 597n * 10n ** 15n);
      const reference = model.cost.toBigInt() / BigInt(ids.length);
      assert.equal(r.referenceWork.toBigInt(), reference);
      const t = reference * 1000n / 597n;
      assert.equal(r.tCompute.toBigInt(), t);
      const ONE = 10n ** 18n;
      const byClass = t * r.eta.toBigInt() / ONE;
      const paid = byClass < reference ? byClass : reference;
      const earned = paid * r.alpha.toBigInt() / r.beta.toBigInt();
      assert.equal(r.earned.toBigInt(), earned);
      assert.equal(r.minted.toBigInt() + r.withheld.toBigInt(), earned);
      assert.ok(await events.some('credits', 'Minted', (e) => e.data.who.toString() === r.worker.toString()) || r.minted.toBigInt() === 0n);
      minted += r.minted.toBigInt();
    }
    assert.ok(minted <= price, `job ${job}: minted ${minted} > burned ${price}`);
  }
});

test('a hidden-weights digits job is proven by the worker with a fresh proof, verified and paid', async () => {
  const sample = digitsData[5];
  const model = (await api.query.inference.models(models['digits-mlp-v1-zk'])).unwrap();
  // The chain holds the verifying key and the commitment, never the weights.
  assert.ok(model.tier.isZeroKnowledge && model.tier.asZeroKnowledge.system.isGroth16Hidden);
  assert.equal(model.layers.length, 0);
  const { job, price } = await requestJob(models['digits-mlp-v1-zk'], u8aToHex(Uint8Array.from(sample.pixels)));
  const done = await jobDone(job);
  assert.ok(done.phase.asDone.isServed, `zk job: ${done.phase.toString()}\n${tail('bob')}\n${tail('charlie')}`);
  // One worker, no replica: its proof, verified on chain, is the whole check.
  assert.equal(done.replicas.length, 1);
  const prover = done.replicas[0].worker.toString();
  const verified = await events.find('inference', 'ProofVerified', (e) => e.data.job.toNumber() === job);
  assert.ok(verified, 'ProofVerified');
  assert.equal(verified.data.worker.toString(), prover);
  // The result is the model's exact integer output.
  const scores = decodeI32s(hexToU8a((await api.query.inference.results(job)).unwrap().toHex()));
  assert.deepEqual(scores, integerForward(sample.pixels));
  const ids = await api.query.inference.jobReceipts(job);
  assert.equal(ids.length, 1);
  const receipt = (await api.query.economics.receipts(ids[0])).unwrap();
  assert.equal(receipt.worker.toString(), prover);
  assert.ok(receipt.minted.toBigInt() <= price, 'minted no more than burned');
});

test('a dishonest worker is caught: faulted, slashed and paid nothing', async () => {
  start('dave', WORKER, workerArgs('dave', '//Dave', ['--digits', join(root, 'inference-offchain/models/digits-mlp.json'), '--dishonest', 'wrong-output']));
  await until('Dave to register', async () => (await api.query.workers.workers(dave.address)).isSome, 120_000);
  const bondBefore = (await api.query.workers.workers(dave.address)).unwrap().bond.toBigInt();
  // Its benchmark answer is not what the auditor computes: the η check fails and its class stays
  // unconfirmed.
  const failed = await until("Dave's benchmark challenge to fail", async () => findEvent('BenchmarkFailed', dave.address), 180_000);
  assert.equal(failed.data.reason.toString(), 'WrongDigest');
  assert.ok((await api.query.workers.confirmed(dave.address)).isNone);
  let caught = null;
  for (let round = 0; round < 4 && !caught; round++) {
    const samples = [1, 2, 3].map((k) => digitsData[round * 3 + k]);
    const jobs = [];
    for (const s of samples) jobs.push({ ...(await requestJob(models['digits-mlp-v1'], u8aToHex(Uint8Array.from(s.pixels)))), s });
    for (const { job, s } of jobs) {
      const j = await jobDone(job);
      // Whoever served it, the consumer got the right result.
      if (j.phase.asDone.isServed) {
        const scores = decodeI32s(hexToU8a((await api.query.inference.results(job)).unwrap().toHex()));
        assert.deepEqual(scores, integerForward(s.pixels));
      }
      const daves = j.replicas.find((r) => r.worker.toString() === dave.address);
      if (daves) caught = { job, state: daves.state };
    }
  }
  assert.ok(caught, `Dave was never assigned a job\n${tail('dave')}`);
  assert.ok(caught.state.isFaulted && caught.state.asFaulted.isInvalid, `Dave's replica: ${caught.state.toString()}`);
  const faulted = await events.find('inference', 'ReplicaFaulted', (e) => e.data.worker.toString() === dave.address);
  assert.ok(faulted && faulted.data.slashed.toBigInt() > 0n, 'a slash was recorded');
  const info = (await api.query.workers.workers(dave.address)).unwrap();
  assert.ok(info.bond.toBigInt() < bondBefore, `bond ${info.bond} not below ${bondBefore}`);
  assert.ok(info.invalid.toNumber() >= 1);
  for (const id of await api.query.inference.jobReceipts(caught.job)) {
    assert.notEqual((await api.query.economics.receipts(id)).unwrap().worker.toString(), dave.address, 'Dave was paid');
  }
  // Take Dave out of the candidates for the next test.
  const { events: evs } = await send(api, api.tx.sudo.sudo(api.tx.workers.suspend(dave.address)), alice);
  assert.equal(sudoResult(api, evs), null);
  await stop('dave');
});

test('a worker killed mid-job resumes from its records and loses nothing', async () => {
  const sample = digitsData[42];
  const { job } = await requestJob(models['digits-mlp-v1'], u8aToHex(Uint8Array.from(sample.pixels)));
  // Wait for a replica's commitment, then kill that worker at once (no graceful shutdown).
  const victim = await until('a commitment', async () => {
    const j = (await api.query.inference.jobs(job)).unwrap();
    const r = j.replicas.find((x) => x.state.isCommitted);
    return r ? (r.worker.toString() === bob.address ? 'bob' : 'charlie') : null;
  }, 120_000);
  await stop(victim, 'SIGKILL');
  const records = readdirSync(join(work, victim, 'jobs'));
  assert.ok(records.includes(`${job}.json`), `record of job ${job} on disk: ${records}`);
  // While it is down the job cannot finish its reveal; restart it with the same state.
  start(`${victim}-2`, WORKER, workerArgs(victim, victim === 'bob' ? '//Bob' : '//Charlie', both));
  const j = await jobDone(job);
  assert.ok(j.phase.asDone.isServed, `${j.phase.toString()}\n${tail(`${victim}-2`)}`);
  const who = victim === 'bob' ? bob.address : charlie.address;
  const mine = j.replicas.find((r) => r.worker.toString() === who);
  assert.ok(mine.state.isVerified, `the restarted worker's replica: ${mine.state.toString()}`);
  const paid = [];
  for (const id of await api.query.inference.jobReceipts(job)) paid.push((await api.query.economics.receipts(id)).unwrap().worker.toString());
  assert.ok(paid.includes(who), 'the restarted worker was paid');
  assert.deepEqual(decodeI32s(hexToU8a((await api.query.inference.results(job)).unwrap().toHex())), integerForward(sample.pixels));
  // Its record is gone once the job ended.
  await until('the record to be removed', async () => !readdirSync(join(work, victim, 'jobs')).includes(`${job}.json`), 60_000);
});

test('a restarted worker brings its registration in line with what it has, and refuses another key', async () => {
  const digitsId = models['digits-mlp-v1'];
  const registered = async () => (await api.query.workers.workers(charlie.address)).unwrap();
  const keyBefore = (await registered()).key.toHex();
  assert.equal((await registered()).models.length, 3, 'digits, MiniLM and the hidden-weights digits');
  // Restarted with the digits model only (say MiniLM's files went missing): the chain must stop
  // assigning it MiniLM jobs, so the worker updates its registration at start.
  await stop(procs.running('charlie-2') ? 'charlie-2' : 'charlie');
  start('charlie-3', WORKER, workerArgs('charlie', '//Charlie', ['--digits', join(root, 'inference-offchain/models/digits-mlp.json')]));
  await until('the registration to list the digits model only', async () => {
    const m = (await registered()).models.map((x) => x.toNumber());
    return m.length === 1 && m[0] === digitsId;
  }, 120_000);
  assert.ok(await events.find('workers', 'Updated', (e) => e.data.who.toString() === charlie.address), 'workers.Updated');
  assert.equal((await registered()).key.toHex(), keyBefore);
  await stop('charlie-3');
  // The same account with another state directory has another attestation key: the worker stops
  // with a named error instead of signing commitments the chain would refuse as forged.
  const child = start('charlie-other', WORKER, workerArgs('charlie-other', '//Charlie', ['--digits', join(root, 'inference-offchain/models/digits-mlp.json')]));
  const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  assert.notEqual(code, 0);
  assert.match(tail('charlie-other'), /AttestationKeyMismatch/);
  assert.equal((await registered()).key.toHex(), keyBefore, 'the registration is untouched');
});
