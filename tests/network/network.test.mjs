// A real multi-validator network: four validator processes (Alice, Bob, Charlie, Dave) from the
// committed `local` chain spec (1-minute sessions), two inference workers, and misbehaving nodes
// started on purpose. Through @polkadot/api and plain JSON-RPC it shows that:
// - every validator authors, each block's author is the leader drawn from the parent's weights
//   and randomness, and the leader frequencies follow the Proof-of-Inference weights;
// - blocks of an ineligible author or with a bad seal are rejected by the honest nodes;
// - with one of four validators down blocks keep being finalized; with two down finality stalls
//   and resumes when they rejoin; a crashed validator catches up and authors again;
// - a validator added by governance authors after the session change;
// - two nodes sealing with one key are reported as an equivocation and the offender planned out.
//
// Needs DECLAI_NODE and DECLAI_WORKER (scripts/test.sh sets them). About 15 minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { u8aToHex } from '@polkadot/util';
import { send, sudoResult, sleep, until } from '../e2e/support.mjs';
import { LocalNetwork, VALIDATORS, WORKER, root } from './harness.mjs';

const net = new LocalNetwork();
let api, accounts;
const rpc = (...a) => net.rpc(...a);
const heads = (name) => net.heads(name);
const block = (n) => net.block(n);
const blocks = (a, b) => net.blocks(a, b);
const bestNumber = () => net.bestNumber();
const finalizedNumber = () => net.finalizedNumber();
const waitForBlock = (n, t) => net.waitForBlock(n, t);
const nameOf = (a) => net.nameOf(a);
const logOf = (name) => net.logOf(name);
const procs = net.procs;

/// Pearson's chi-square statistic of observed counts against expected ones.
const chiSquare = (observed, expected) => observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);

before(async () => {
  await net.start();
  ({ api, accounts } = net);
});

after(() => net.shutdown());

// ---------------------------------------------------------------- tests

test('every validator authors, each block by the leader drawn from its parent, and the chain finalizes', async () => {
  await waitForBlock(40, 180_000);
  const first = await blocks(1, 40);
  const authored = {};
  for (const b of first) {
    assert.equal(b.author, b.leader, `block #${b.n} (slot ${b.slot}): author ${nameOf(b.author)}, drawn ${nameOf(b.leader)}`);
    authored[nameOf(b.author)] = (authored[nameOf(b.author)] ?? 0) + 1;
    assert.deepEqual(Object.values(b.weights), [0.25, 0.25, 0.25, 0.25], 'no work yet: equal weights');
  }
  for (const v of VALIDATORS) assert.ok(authored[v] > 0, `${v} authored none of blocks 1-40: ${JSON.stringify(authored)}`);
  // All four up: every slot has its block (a missed slot or two on a busy machine at most).
  const slots = Number(first.at(-1).slot - first[0].slot) + 1;
  assert.ok(slots <= 43, `40 blocks took ${slots} slots`);
  // Everyone agrees on a finalized chain.
  const finalized = await finalizedNumber();
  assert.ok(finalized >= 30, `finalized #${finalized}`);
  for (const v of VALIDATORS) {
    const h = await heads(v);
    assert.ok(h.finalized >= 30, `${v}: ${JSON.stringify(h)}`);
    const hash = await rpc(v, 'chain_getBlockHash', [30]);
    assert.equal(hash, (await block(30)).hash, `${v} agrees on block #30`);
  }
  console.log(`blocks 1-40 by ${JSON.stringify(authored)} over ${slots} slots; finalized #${finalized}`);
});

test('blocks of an ineligible author are rejected; with one of four down blocks keep being finalized', async () => {
  await net.stop('dave');
  // A node with Dave's authoring key that claims every slot, drawn or not.
  await net.prepare('mallory', '//Dave', 9, 'author');
  net.startNode('mallory', ['--misbehave', 'claim-every-slot']);
  const start = await finalizedNumber();
  await sleep(30_000);
  await net.stop('mallory');
  const rejected = VALIDATORS.slice(0, 3).map((v) => (logOf(v).match(/rejected block #\d+ \S+: NotTheLeader/g) ?? []).length);
  assert.ok(rejected.some((r) => r > 0), `no honest node logged a NotTheLeader rejection: ${rejected}\n${procs.tail('mallory')}`);
  assert.ok(logOf('mallory').includes('misbehaves on purpose'), procs.tail('mallory'));
  const now = await finalizedNumber();
  assert.ok(now >= start + 5, `finality with Dave down: #${start} -> #${now}`);
  // None of Mallory's blocks made it into the chain: every block is its drawn leader's.
  const best = await bestNumber();
  for (const b of await blocks(41, best)) assert.equal(b.author, b.leader, `block #${b.n}`);
  console.log(`Mallory's blocks rejected (${rejected.join('/')} rejections by alice/bob/charlie); finalized #${start} -> #${now} with 3 of 4`);
});

test('with two of four down finality stalls, and resumes when they rejoin', async () => {
  await net.stop('charlie');
  // Votes in flight may finalize a block or two; then nothing.
  await sleep(12_000);
  const stalled = await finalizedNumber();
  const bestAtStall = await bestNumber();
  await sleep(30_000);
  assert.equal(await finalizedNumber(), stalled, 'finality must stall with 2 of 4 validators');
  assert.ok((await bestNumber()) > bestAtStall, 'Alice and Bob still author in their slots');
  net.startNode('charlie');
  net.startNode('dave');
  const resumed = await until('finality to resume', async () => {
    const f = await finalizedNumber();
    return f > stalled + 3 ? f : null;
  }, 180_000);
  console.log(`finality stalled at #${stalled} with 2 of 4 up, resumed to #${resumed} after they rejoined`);
});

test('a bad seal is rejected; a crashed validator catches up and authors again', async () => {
  await net.stop('bob', 'SIGKILL');
  const crashedAt = await bestNumber();
  await net.prepare('mallory-seal', '//Bob', 10, 'author');
  net.startNode('mallory-seal', ['--misbehave', 'bad-seal']);
  await until('a bad seal to be rejected', async () => ['alice', 'charlie', 'dave']
    .some((v) => /rejected block #\d+ \S+: BadSignature/.test(logOf(v))), 120_000);
  await net.stop('mallory-seal');
  await sleep(6_000);
  net.startNode('bob');
  const caughtUp = await until('Bob to catch up', async () => {
    const [b, a] = [await heads('bob'), await heads('alice')];
    return b && a && b.best >= a.best - 1 && b.best > crashedAt ? b : null;
  }, 180_000);
  const restartedAt = caughtUp.best;
  const authored = await until('Bob to author again', async () => {
    const best = await bestNumber();
    for (const b of await blocks(restartedAt + 1, best)) if (nameOf(b.author) === 'bob') return b;
    return null;
  }, 180_000);
  for (const b of await blocks(crashedAt, await bestNumber())) assert.equal(b.author, b.leader, `block #${b.n}`);
  console.log(`Bob crashed at #${crashedAt}, caught up at #${restartedAt}, authored #${authored.n}`);
});

test('a validator added by governance authors after the session change', async () => {
  const eve = accounts.eve;
  // Eve's node makes its own keys, bound to her account with a proof of possession.
  await net.prepare('eve', '//Eve', 4, 'none');
  net.startNode('eve');
  await until("Eve's node to sync", async () => ((await heads('eve'))?.best ?? 0) >= (await bestNumber()) - 2, 120_000);
  const generated = await rpc('eve', 'author_rotateKeysWithOwner', [u8aToHex(eve.addressRaw)]);
  let r = await send(api, api.tx.session.setKeys(generated.keys, generated.proof), eve);
  assert.equal(r.error, null);
  r = await send(api, api.tx.sudo.sudo(api.tx.validators.addValidator(eve.address)), accounts.alice);
  assert.equal(sudoResult(api, r.events), null);
  const added = await bestNumber();
  const length = (await api.query.validators.sessionLength()).toNumber();
  const b = await until('Eve to author a block', async () => {
    const best = await bestNumber();
    for (const x of await blocks(added + 1, best)) if (nameOf(x.author) === 'eve') return x;
    return null;
  }, 8 * length * 3_000);
  const sessions = Math.floor(b.n / length) - Math.floor(added / length);
  assert.ok(sessions >= 1, `Eve authored #${b.n} in the session she was added in (#${added})`);
  assert.equal(b.author, b.leader);
  // GRANDPA counts her too: finality goes on with five.
  const f = await finalizedNumber();
  await until('finality with five validators', async () => (await finalizedNumber()) > f + 3, 120_000);
  console.log(`Eve added at #${added}, authored #${b.n} ${sessions} session change(s) later`);
});

test('the leader frequencies follow the Proof-of-Inference weights of the verified work', async () => {
  // Two workers (Alice's and Bob's accounts) serve digits requests from four consumers; Alice
  // audits. Their verified work weighs Alice and Bob in the following sessions.
  const wsUrl = `ws://127.0.0.1:${net.nodes.alice.rpc}`;
  const digits = ['--digits', join(root, 'inference-offchain/models/digits-mlp.json')];
  const reg = spawnSync(WORKER, ['register-models', '--node', wsUrl, '--sudo', '//Alice', ...digits], { encoding: 'utf8' });
  assert.equal(reg.status, 0, `register-models: ${reg.stdout}${reg.stderr}`);
  net.startWorker('alice', [...digits, '--audit']);
  net.startWorker('bob', digits);
  const model = (await api.query.inference.models.entries()).map(([k, v]) => [v.unwrap().name.toUtf8(), k.args[0].toNumber()])
    .find(([n]) => n === 'digits-mlp-v1')[1];
  let load = true;
  const consumers = ['ferdie', 'charlie', 'dave', 'eve'].map((n) => accounts[n]);
  const loadLoop = (async () => {
    for (let i = 0; load; i += 1) {
      const pixels = Uint8Array.from({ length: 64 }, (_, k) => (k * 7 + i) % 17);
      try { await send(api, api.tx.inference.request(model, u8aToHex(pixels), 10n ** 12n, null), consumers[i % consumers.length]); } catch { /* rate limit or pool: try the next */ }
      await sleep(4_000);
    }
  })();
  try {
    // Wait for a session whose weights came from work: Alice and Bob above the others.
    const weighted = await until('weights from verified work', async () => {
      const best = await bestNumber();
      const b = await block(best);
      const w = b.weights;
      return w[accounts.alice.address] > 0.3 && w[accounts.bob.address] > 0.3 ? b : null;
    }, 300_000);
    const from = weighted.n;
    await waitForBlock(from + 100, 600_000);
    const sample = await blocks(from, from + 100);
    const names = Object.keys(sample[0].weights).map(nameOf);
    const observed = names.map(() => 0);
    const expected = names.map(() => 0);
    for (const b of sample) {
      assert.equal(b.author, b.leader, `block #${b.n}`);
      observed[names.indexOf(nameOf(b.author))] += 1;
      // Expected share of the observed blocks: the weights in force at each block.
      for (const [a, w] of Object.entries(b.weights)) expected[names.indexOf(nameOf(a))] += w;
    }
    // Pool the light validators so that every expected count is large enough for the test.
    const heavy = ['alice', 'bob'];
    const obs = [...heavy.map((n) => observed[names.indexOf(n)]), observed.reduce((s, o, i) => s + (heavy.includes(names[i]) ? 0 : o), 0)];
    const exp = [...heavy.map((n) => expected[names.indexOf(n)]), expected.reduce((s, e, i) => s + (heavy.includes(names[i]) ? 0 : e), 0)];
    const chi = chiSquare(obs, exp);
    // Two degrees of freedom: 13.8 is the 0.1% critical value.
    assert.ok(chi < 13.8, `leader counts ${JSON.stringify(obs)} vs expected ${exp.map((e) => e.toFixed(1))}: chi2 ${chi.toFixed(2)}`);
    // And equal weights would not explain them.
    const equal = chiSquare(obs, [0.2 * 101, 0.2 * 101, 0.6 * 101]);
    assert.ok(equal > 13.8, `the counts ${JSON.stringify(obs)} also fit equal weights (chi2 ${equal.toFixed(2)})`);
    console.log(`blocks #${from}-#${from + 100}: authors ${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, observed[i]])))}, `
      + `expected ${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, +expected[i].toFixed(1)])))}; chi2 ${chi.toFixed(2)} (weights), ${equal.toFixed(1)} (equal)`);
  } finally {
    load = false;
    await loadLoop;
  }
});

test('a second node with the same authoring key equivocates; the honest nodes report it and the offender is planned out', async () => {
  // Bob's key in a second node: both seal a block for each of Bob's slots (different timestamps
  // and bodies, hence two headers for one slot). Importers see both, submit the two sealed
  // headers to the runtime, which checks both seals and plans Bob out of the validator set.
  const from = await bestNumber();
  await net.prepare('bob-twin', '//Bob', 11, 'author');
  net.startNode('bob-twin');
  let found;
  try {
    found = await until('an equivocation report on chain', async () => {
      const best = await bestNumber();
      for (let n = from + 1; n <= best; n += 1) {
        const events = await api.query.system.events.at(await api.rpc.chain.getBlockHash(n));
        const e = events.find((r) => r.event.section === 'consensus' && r.event.method === 'Equivocation');
        if (e) return { n, event: e.event, events };
      }
      return null;
    }, 240_000);
  } finally {
    await net.stop('bob-twin');
  }
  assert.equal(found.event.data.offender.toString(), accounts.bob.address);
  assert.ok(found.events.some((r) => r.event.section === 'validators' && r.event.method === 'OffenderRemoved'
    && r.event.data.who.toString() === accounts.bob.address), 'Bob planned out');
  const planned = (await api.query.validators.planned()).map((a) => a.toString());
  assert.ok(!planned.includes(accounts.bob.address), `planned: ${planned.map(nameOf)}`);
  const reporters = VALIDATORS.filter((v) => logOf(v).includes('equivocated at slot'));
  assert.ok(reporters.length > 0, 'some node logged the equivocation');
  console.log(`Bob equivocated at slot ${found.event.data.slot}; reported in block #${found.n} (seen by ${reporters.join(', ')}); planned set: ${planned.map(nameOf).join(', ')}`);
});
