// Network benchmark on a local network of four validator processes (the `local` chain spec):
// 1. block time (on-chain timestamps) and finality lag (time from a block's import to its
//    finalization, as Alice's node sees it) over BLOCKS blocks (default 200), p50 and p99;
// 2. credit-transfer throughput: the well-known accounts flood signed `credits.transfer`s, and
//    the transfers included per block are compared with the ceiling computed from the runtime's
//    weights (the normal-class budget of a block over the weight of one signed transfer).
//
// Usage: scripts/bench-network.sh (builds, then runs this with DECLAI_NODE set).
// All four nodes run on this machine, so they share its cores: the figures are for this machine.
import { Keyring } from '@polkadot/api';
import { LocalNetwork } from './harness.mjs';
import { until, sleep } from '../e2e/support.mjs';

const BLOCKS = Number(process.env.BLOCKS ?? 200);
const TRANSFERS_PER_SENDER = Number(process.env.TRANSFERS_PER_SENDER ?? 120);

const quantile = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))];
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

const net = new LocalNetwork('declai-bench-');
try {
  await net.start();
  const { api } = net;

  // ---------------------------------------------------------------- block time and finality
  const imported = new Map();
  const finalizedAt = new Map();
  let lastFinalized = 0;
  const unsubNew = await api.rpc.chain.subscribeNewHeads((h) => {
    const n = h.number.toNumber();
    if (!imported.has(n)) imported.set(n, Date.now());
  });
  const unsubFin = await api.rpc.chain.subscribeFinalizedHeads((h) => {
    const n = h.number.toNumber();
    const now = Date.now();
    // A justification finalizes every block up to it.
    for (let k = lastFinalized + 1; k <= n; k += 1) if (!finalizedAt.has(k)) finalizedAt.set(k, now);
    lastFinalized = Math.max(lastFinalized, n);
  });
  const first = (await net.bestNumber()) + 1;
  const last = first + BLOCKS;
  console.log(`measuring blocks #${first}-#${last} (about ${Math.round(BLOCKS * 3 / 60)} minutes)`);
  await until(`block #${last} to be finalized`, async () => lastFinalized >= last, (BLOCKS * 3 + 180) * 1000);
  unsubNew();
  unsubFin();
  const blocks = await net.blocks(first - 1, last);
  const blockTimes = blocks.slice(1).map((b, i) => b.timestamp - blocks[i].timestamp);
  const lags = [];
  for (let n = first; n <= last; n += 1) if (imported.has(n) && finalizedAt.has(n)) lags.push(finalizedAt.get(n) - imported.get(n));
  const slots = Number(blocks.at(-1).slot - blocks[0].slot);
  console.log(`block time over ${blockTimes.length} blocks: p50 ${fmt(quantile(blockTimes, 0.5))}, p99 ${fmt(quantile(blockTimes, 0.99))}, `
    + `max ${fmt(Math.max(...blockTimes))}; ${slots} slots for ${BLOCKS} blocks (${(100 * (slots - BLOCKS) / slots).toFixed(1)}% empty)`);
  console.log(`finality lag over ${lags.length} blocks: p50 ${fmt(quantile(lags, 0.5))}, p99 ${fmt(quantile(lags, 0.99))}, max ${fmt(Math.max(...lags))}`);
  const authors = {};
  for (const b of blocks.slice(1)) authors[net.nameOf(b.author)] = (authors[net.nameOf(b.author)] ?? 0) + 1;
  console.log(`authors: ${JSON.stringify(authors)}`);

  // ---------------------------------------------------------------- transfer throughput
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  const names = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
  const senders = names.flatMap((n) => [keyring.addFromUri(`//${n}`), keyring.addFromUri(`//${n}//stash`)]);
  const amount = 10n ** 9n; // a thousandth of a credit
  const info = await api.tx.credits.transfer(senders[1].address, amount).paymentInfo(senders[0]);
  const txRefTime = info.weight.refTime.toBigInt();
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal;
  const budget = (normal.maxTotal.isSome ? normal.maxTotal.unwrap().refTime.toBigInt() : weights.maxBlock.refTime.toBigInt())
    - weights.baseBlock.refTime.toBigInt();
  const ceiling = Number(budget / txRefTime);
  console.log(`one signed transfer weighs ${(Number(txRefTime) / 1e6).toFixed(1)} µs; the normal-class budget is ${(Number(budget) / 1e9).toFixed(1)} ms: ceiling ${ceiling} transfers per block`);

  const start = (await net.bestNumber()) + 1;
  const signed = [];
  for (const [i, from] of senders.entries()) {
    const nonce = (await api.rpc.system.accountNextIndex(from.address)).toNumber();
    for (let k = 0; k < TRANSFERS_PER_SENDER; k += 1) {
      const to = senders[(i + 1 + (k % (senders.length - 1))) % senders.length];
      signed.push(await api.tx.credits.transfer(to.address, amount).signAsync(from, { nonce: nonce + k, era: 0 }));
    }
  }
  const total = signed.length;
  const t0 = Date.now();
  await Promise.all(signed.map((tx) => api.rpc.author.submitExtrinsic(tx).catch((e) => console.log(`refused: ${e.message}`))));
  console.log(`submitted ${total} transfers from ${senders.length} accounts in ${fmt(Date.now() - t0)}`);
  const counted = new Map();
  let included = 0;
  for (let n = start; included < total; n += 1) {
    await net.waitForBlock(n, 120_000);
    const hash = await api.rpc.chain.getBlockHash(n);
    const events = await api.query.system.events.at(hash);
    const count = events.filter((r) => r.event.section === 'credits' && r.event.method === 'Transferred').length;
    counted.set(n, count);
    included += count;
    if (n > start + 60) break;
    if ((await api.rpc.author.pendingExtrinsics()).length === 0 && count === 0 && included > 0) break;
  }
  const busy = [...counted.values()].filter((c) => c > 0);
  const full = busy.slice(0, -1); // the last block takes the remainder
  const mean = full.reduce((a, b) => a + b, 0) / Math.max(1, full.length);
  console.log(`included ${included}/${total} transfers in ${busy.length} blocks: per block ${busy.join(', ')}`);
  console.log(`throughput: ${mean.toFixed(1)} transfers per block while the pool was full (${(mean / 3).toFixed(1)}/s), `
    + `max ${Math.max(...busy)}; ${(100 * mean / ceiling).toFixed(0)}% of the ${ceiling}-transfer weight ceiling`);
  await sleep(100);
} finally {
  await net.shutdown();
}
