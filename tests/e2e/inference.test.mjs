// Proof-of-Inference through @polkadot/api with no custom types, as a worker and a consumer would
// drive it: governance registers a model, two workers register with hardware attestation keys,
// a consumer requests a job (escrow), both workers commit (signed attestations) and reveal, the
// runtime settles (escrow burned, workers paid by the formula, receipts), and the RPC methods
// show the job, the workers and the queue. Also: admission control rejects a free-rider's premium
// request before it reaches a block, and a forged attestation fails with a named error.
// Needs a running dev node (scripts/test.sh starts one); DECLAI_WS overrides the endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { bnToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { connect, send as sendWith, sudoResult, until, outputCommitment, attestation } from './support.mjs';

const CRED = 10n ** 12n;
const GPU_HOUR = 10n ** 12n;
// 36 s on the reference GPU per inference: enough verified work for a contributor.
const COST = GPU_HOUR / 100n;
let api;
let keyring;
let alice;
let workers;
let hardware;
let model;
let premium;

const send = (tx, signer) => sendWith(api, tx, signer);
const sudo = async (call) => {
  const r = await send(api.tx.sudo.sudo(call), alice);
  return { ...r, error: r.error ?? sudoResult(api, r.events) };
};

before(async () => {
  ({ api, keyring } = await connect());
  alice = keyring.addFromUri('//Alice');
  // Workers distinct from the other suites' accounts; their hardware keys are separate pairs.
  workers = [keyring.addFromUri('//Ferdie'), keyring.addFromUri('//Eve')];
  hardware = [keyring.addFromUri('//Ferdie//hardware'), keyring.addFromUri('//Eve//hardware')];
});

after(async () => {
  await api?.disconnect();
});

function modelSpec(name, isPremium) {
  return {
    // Bytes from hex are taken as raw content (a Uint8Array would be read as SCALE-encoded).
    name: u8aToHex(stringToU8a(name)),
    kind: 'Embedding',
    weightsRoot: u8aToHex(blake2AsU8a(stringToU8a(`${name} weights`))),
    cost: COST,
    maxInput: 256,
    maxOutput: 16,
    tier: { FloatTolerance: { maxErrorPpm: 1000 } },
    layers: [],
    premium: isPremium,
    verifyingKey: '0x',
  };
}

const rpc = (method, params) => api._rpcCore.provider.send(method, params);

/// The workers of `job` once it is assigned: never in the block of its request, but from the
/// next block on, with randomness produced after the request.
async function assignment(job) {
  await until(`job ${job} assigned`, async () => (await api.query.inference.jobs(job)).unwrap().replicas.length > 0, 60_000);
  return (await api.query.inference.jobs(job)).unwrap().replicas.map((r) => r.worker);
}

test('governance registers models and workers register with attestation keys', async () => {
  const next = (await api.query.inference.nextModelId()).toNumber();
  let r = await sudo(api.tx.inference.registerModel(modelSpec('e2e-embed', false)));
  assert.equal(r.error, null);
  model = next;
  r = await sudo(api.tx.inference.registerModel(modelSpec('e2e-premium', true)));
  assert.equal(r.error, null);
  premium = next + 1;
  const registered = r.events.find((e) => e.section === 'inference' && e.method === 'ModelRegistered');
  assert.equal(registered.data.model.toNumber(), premium);

  // A worker without models is refused with a named error.
  r = await send(api.tx.workers.register({ Sr25519: hardware[0].publicKey }, 'A100', 276, [], 0), workers[0]);
  assert.equal(r.error, 'workers.NoModels');
  for (const [i, w] of workers.entries()) {
    r = await send(
      api.tx.workers.register({ Sr25519: hardware[i].publicKey }, 'A100', 276, [model, premium], 10n * CRED),
      w,
    );
    assert.equal(r.error, null);
  }
  // The same hardware key cannot back a second worker.
  r = await send(api.tx.workers.register({ Sr25519: hardware[0].publicKey }, 'A100', 1, [model], 0), alice);
  assert.equal(r.error, 'workers.KeyInUse');

  const view = await rpc('declai_worker', [workers[0].address]);
  assert.equal(view.hardwareClass, 'a100');
  assert.equal(view.bond, (10n * CRED).toString());
  assert.equal(view.consecutiveValid, 0);
  assert.equal(view.auditPpm, null, 'a new worker is always replicated');
  const members = await api.call.inferenceApi.modelWorkers(model);
  assert.deepEqual(members.map((a) => a.toString()).sort(), workers.map((w) => w.address).sort());
});

test('a job is escrowed, committed, revealed and settled by the formula', async () => {
  const consumer = keyring.addFromUri('//Dave');
  const before = (await rpc('declai_creditSummary', [consumer.address]));
  const input = stringToU8a('the quick brown fox');
  let r = await send(api.tx.inference.request(model, u8aToHex(input), CRED, null), consumer);
  assert.equal(r.error, null);
  const requested = r.events.find((e) => e.section === 'inference' && e.method === 'JobRequested');
  const job = requested.data.job.toNumber();
  const price = requested.data.price.toBigInt();
  assert.equal(price, COST, 'price = cost × α with α = 1');
  assert.ok(r.events.some((e) => e.section === 'inference' && e.method === 'JobQueued'), 'queued in its own block');
  assert.ok(!r.events.some((e) => e.section === 'inference' && e.method === 'JobAssigned'), 'never assigned in its own block');
  const assigned = await assignment(job);
  assert.equal(assigned.length, 2, 'new workers are replicated');
  let status = await rpc('declai_job', [job]);
  assert.equal(status.phase, 'committing');
  assert.equal(status.price, price.toString());
  const held = BigInt((await rpc('declai_creditSummary', [consumer.address])).held);
  assert.equal(held - BigInt(before.held), price);
  assert.deepEqual(
    (await rpc('declai_assignments', [workers[0].address])).includes(job),
    true,
  );

  // Each worker runs the model (here: a fixed embedding) and commits with a signed attestation.
  const output = u8aConcat(...[0.5, -0.25, 0.125, 0.0625].map((x) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return b;
  }));
  const m = await api.query.inference.models(model);
  const modelRoot = m.unwrap().weightsRoot.toU8a();
  const inputHash = blake2AsU8a(input);
  const execMicros = 36_000_000n;
  const salts = workers.map((_, i) => blake2AsU8a(stringToU8a(`salt ${i} ${job}`)));

  // A forged attestation (signed by another key) fails with a named error and changes nothing.
  const c0 = outputCommitment(job, workers[0], output, salts[0]);
  const forged = hardware[1].sign(attestation(job, modelRoot, inputHash, c0, execMicros));
  r = await send(api.tx.inference.commit(job, c0, { execMicros }, { Sr25519: forged }), workers[0]);
  assert.equal(r.error, 'inference.BadAttestation');

  for (const [i, w] of workers.entries()) {
    const commit = outputCommitment(job, w, output, salts[i]);
    const sig = hardware[i].sign(attestation(job, modelRoot, inputHash, commit, execMicros));
    r = await send(api.tx.inference.commit(job, commit, { execMicros }, { Sr25519: sig }), w);
    assert.equal(r.error, null);
  }
  assert.ok(r.events.some((e) => e.section === 'inference' && e.method === 'CommitsClosed'));
  for (const [i, w] of workers.entries()) {
    r = await send(api.tx.inference.reveal(job, u8aToHex(output), salts[i], new Uint8Array(32)), w);
    assert.equal(r.error, null);
  }
  // Agreeing replicas are spot checked (an untrusted one at 1/TrustAfter): if this job drew the
  // check, the auditor (Alice) confirms both results and that settles it.
  if (r.events.some((e) => e.section === 'inference' && e.method === 'AuditStarted')) {
    r = await send(api.tx.inference.audit(job, [100, 100]), alice);
    assert.equal(r.error, null);
  }
  const served = r.events.find((e) => e.section === 'inference' && e.method === 'JobServed');
  assert.ok(served, 'the second reveal (or the spot check) settles the job');
  assert.equal(served.data.receipts.length, 2);
  const burned = r.events.find((e) => e.section === 'economics' && e.method === 'Consumed');
  assert.equal(burned.data.amount.toBigInt(), price);

  status = await rpc('declai_job', [job]);
  assert.equal(status.phase, 'served');
  assert.equal(status.result, u8aToHex(output));
  assert.deepEqual(status.replicas.map((x) => x.state), ['verified', 'verified']);
  let mintedForJob = 0n;
  for (const id of status.receipts) {
    const receipt = await rpc('declai_receipt', [id]);
    assert.equal(receipt.hardwareClass, 'a100');
    // The two replicas share one payment: each pays for half the reference cost (on an A100,
    // the reference GPU, T_compute is that too); earned = min(T × η, reference work) × α / β.
    assert.equal(receipt.referenceWork, (COST / 2n).toString());
    assert.equal(receipt.tCompute, (COST / 2n).toString());
    assert.ok(BigInt(receipt.earned) > 0n);
    assert.equal(BigInt(receipt.minted) + BigInt(receipt.withheld), BigInt(receipt.earned));
    mintedForJob += BigInt(receipt.minted);
  }
  // Credits minted for a job never exceed the credits its consumer burned.
  assert.ok(mintedForJob <= price, `minted ${mintedForJob} > burned ${price}`);
  const after = await rpc('declai_creditSummary', [consumer.address]);
  assert.equal(after.held, before.held);
  const worker = await rpc('declai_worker', [workers[0].address]);
  assert.equal(worker.consecutiveValid, 1);
  assert.equal(worker.valid, 1);
  assert.equal(worker.activeJobs, 0);
  const queue = await rpc('declai_queue', []);
  assert.equal(queue.live, 0);
  assert.ok(queue.nextJob > job);
});

test('a hidden-weights digits job is proven with a fresh Groth16 proof and verified by the node; a replayed proof pays nothing', async () => {
  // The project's digits model with its weights hidden: `declai-worker zk-setup` makes the keys,
  // the secret salt and the weight commitment; the chain gets the verifying key and the
  // commitment only. Proofs are bound to a job and a worker, so each job's proof is made fresh
  // by `declai-worker zk-prove` (the prover a running worker uses).
  const { readFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = async (args) => (await promisify(execFile)(worker, args, { maxBuffer: 1 << 20 })).stdout;
  const worker = process.env.DECLAI_WORKER;
  assert.ok(worker, 'DECLAI_WORKER names the worker binary (scripts/env.sh)');
  const dir = join(mkdtempSync(join(tmpdir(), 'declai-zk-')), 'digits-zk');
  try {
    await run(['zk-setup', '--model', new URL('../../inference-offchain/models/digits-mlp.json', import.meta.url).pathname, '--out', dir]);
    const setup = JSON.parse(readFileSync(join(dir, 'zk.json'), 'utf8'));
    const key = readFileSync(join(dir, 'verifying.key'));
    // A digit-like image: 64 pixels 0..16.
    const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) % 17);
    const proveFor = async (job, who) => JSON.parse(await run(['zk-prove', '--dir', dir, '--job', String(job),
      '--worker', u8aToHex(who.publicKey), '--input', u8aToHex(input)]));
    const spec = {
      ...modelSpec('e2e-digits-zk', false),
      kind: 'Classifier',
      weightsRoot: `0x${setup.commitment}`,
      maxInput: 64,
      maxOutput: 40,
      tier: { ZeroKnowledge: { system: { Groth16Hidden: { commitment: `0x${setup.commitment}` } } } },
      verifyingKey: u8aToHex(key),
    };
    const zkModel = (await api.query.inference.nextModelId()).toNumber();
    let r = await sudo(api.tx.inference.registerModel(spec));
    assert.equal(r.error, null, 'the node validates the key (BLS12-381 points, 4 inputs) and the commitment');
    const stored = (await api.query.inference.models(zkModel)).unwrap();
    assert.equal(stored.tier.asZeroKnowledge.system.asGroth16Hidden.commitment.toHex(), `0x${setup.commitment}`);
    for (const w of workers) {
      r = await send(api.tx.workers.update(276, [model, premium, zkModel]), w);
      assert.equal(r.error, null);
    }
    const consumer = keyring.addFromUri('//Dave');
    // Has the job's currently assigned worker commit and reveal `outBytes`.
    const revealBy = async (job, outBytes) => {
      await until(`job ${job} assigned`, async () =>
        (await api.query.inference.jobs(job)).unwrap().replicas.some((r) => r.state.isAssigned), 60_000);
      const replicas = (await api.query.inference.jobs(job)).unwrap().replicas;
      const live = replicas.filter((r) => r.state.isAssigned);
      assert.equal(live.length, 1, 'a proof needs no replica');
      const i = workers.findIndex((w) => w.address === live[0].worker.toString());
      const w = workers[i];
      const modelRoot = (await api.query.inference.models(zkModel)).unwrap().weightsRoot.toU8a();
      const salt = blake2AsU8a(stringToU8a(`zk salt ${job} ${w.address}`));
      const commit = outputCommitment(job, w, outBytes, salt);
      const execMicros = 36_000_000n;
      const sig = hardware[i].sign(attestation(job, modelRoot, blake2AsU8a(input), commit, execMicros));
      let r = await send(api.tx.inference.commit(job, commit, { execMicros }, { Sr25519: sig }), w);
      assert.equal(r.error, null);
      r = await send(api.tx.inference.reveal(job, u8aToHex(outBytes), salt, new Uint8Array(32)), w);
      assert.equal(r.error, null);
      assert.equal((await rpc('declai_job', [job])).phase, 'challenged');
      return { job, w };
    };
    const requested = async () => {
      const r = await send(api.tx.inference.request(zkModel, u8aToHex(input), CRED, null), consumer);
      assert.equal(r.error, null);
      return r.events.find((e) => e.section === 'inference' && e.method === 'JobRequested').data.job.toNumber();
    };
    const faultOf = (events) => events.find((e) => e.section === 'inference' && e.method === 'ReplicaFaulted');
    const verified = (events) => events.some((e) => e.section === 'inference' && e.method === 'ProofVerified');

    // The honest output, proven fresh: verified and served.
    let job = await requested();
    const probe = await proveFor(job, workers[0]);
    const output = Uint8Array.from(Buffer.from(probe.output.slice(2), 'hex'));
    assert.equal(output.length, 40, 'ten i32 scores');
    const first = await revealBy(job, output);
    const proof = (await proveFor(first.job, first.w)).proof;
    // Malformed: refused by name, nothing recorded, the replica still awaits its proof.
    r = await send(api.tx.inference.prove(first.job, proof.slice(0, -2)), first.w);
    assert.equal(r.error, 'inference.MalformedProof', 'a truncated proof');
    assert.equal((await api.query.inference.jobs(first.job)).unwrap().replicas[0].state.toString(), 'Challenged');
    r = await send(api.tx.inference.prove(first.job, proof), first.w);
    assert.equal(r.error, null);
    assert.ok(verified(r.events));
    const status = await rpc('declai_job', [first.job]);
    assert.equal(status.phase, 'served');
    assert.equal(status.receipts.length, 1);

    // The same input again: the proof on chain for the first job, replayed for the second, is
    // bound to the first job (and its worker) and faults the replica instead of paying it.
    job = await requested();
    const second = await revealBy(job, output);
    r = await send(api.tx.inference.prove(second.job, proof), second.w);
    assert.equal(r.error, null);
    assert.ok(!verified(r.events));
    assert.equal(faultOf(r.events)?.data.reason.toString(), 'ProofInvalid', 'the replayed proof faults the replica');
    assert.notEqual((await rpc('declai_job', [second.job])).phase, 'served');
    // The job goes to another worker. It reveals a wrong output and proves the honest one:
    // faulted too, nothing paid.
    const wrong = Uint8Array.from(output);
    wrong[0] ^= 1;
    const third = await revealBy(second.job, wrong);
    assert.notEqual(third.w.address, second.w.address);
    r = await send(api.tx.inference.prove(second.job, (await proveFor(second.job, third.w)).proof), third.w);
    assert.equal(r.error, null);
    assert.ok(!verified(r.events));
    assert.equal(faultOf(r.events)?.data.reason.toString(), 'ProofInvalid', 'a proof of another output');
    // Both attempts faulted: the consumer is refunded, nobody is paid for it.
    assert.equal((await rpc('declai_job', [second.job])).phase, 'refunded');
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('admission control keeps a free-rider off premium models before a block', async () => {
  const freeRider = keyring.addFromUri('//Charlie');
  await assert.rejects(
    send(api.tx.inference.request(premium, u8aToHex(stringToU8a('hi')), CRED, null), freeRider),
    /Invalid Transaction|Custom error/,
  );
  // Bytes that are not text, for an embedding model: refused in the pool with the pallet's
  // named error (`InputNotText`), before anything is escrowed.
  const notText = api.errors.inference.InputNotText.meta.index.toNumber();
  const before = (await api.call.creditsApi.held(freeRider.address)).toBigInt();
  await assert.rejects(
    send(api.tx.inference.request(model, '0xc328', CRED, null), freeRider),
    new RegExp(`Custom error: ${notText}\\b`),
  );
  assert.equal((await api.call.creditsApi.held(freeRider.address)).toBigInt(), before);
  // A worker with verified work is a contributor and may use it.
  const r = await send(api.tx.inference.request(premium, u8aToHex(stringToU8a('hi')), CRED, null), workers[0]);
  assert.equal(r.error, null);
  const job = r.events.find((e) => e.section === 'inference' && e.method === 'JobRequested').data.job.toNumber();
  const status = await rpc('declai_job', [job]);
  assert.ok(['committing', 'queued'].includes(status.phase));
  // Its own worker account is never assigned to its job.
  assert.ok(status.replicas.every((x) => x.worker !== workers[0].address));
  // Nobody commits: the job ends by its deadline (re-assigned or refunded), escrow not stuck.
});
