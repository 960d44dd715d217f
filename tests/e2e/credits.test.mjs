// Credits through @polkadot/api, connected the way Polkadot-JS Apps connects: no custom types,
// everything from the runtime metadata. Needs a running dev node (scripts/test.sh starts one);
// DECLAI_WS overrides the endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, send as sendWith } from './support.mjs';

const CRED = 10n ** 12n;
let api;
let keyring;
let alice;
let bob;

before(async () => {
  ({ api, keyring } = await connect());
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

after(async () => {
  await api?.disconnect();
});

const send = (tx, signer) => sendWith(api, tx, signer);

const at = (block) => api.at(block);
const spendable = async (who, block) =>
  (await (block ? await at(block) : api).call.creditsApi.spendable(who)).toBigInt();
const owned = async (who, block) => {
  const a = block ? await at(block) : api;
  return (await a.call.creditsApi.spendable(who)).toBigInt() + (await a.call.creditsApi.held(who)).toBigInt();
};
const feeOf = (events) => {
  const paid = events.find((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid');
  assert.ok(paid, 'every signed transaction pays a fee');
  return paid.data.actualFee.toBigInt();
};
const parentOf = async (block) => (await api.rpc.chain.getHeader(block)).parentHash.toHex();

test('chain properties describe CRED', async () => {
  const props = await api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'CRED');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);
  assert.equal(props.ss58Format.unwrap().toNumber(), 42);
  assert.equal(api.registry.chainDecimals[0], 12);
  assert.equal(api.registry.chainTokens[0], 'CRED');
  // The whole credits interface comes from metadata: no custom types were given.
  assert.equal(typeof api.tx.credits.transfer, 'function');
  assert.equal(typeof api.call.creditsApi.accountSummary, 'function');
});

test('the runtime API reports lots with expiry block and time', async () => {
  const summary = await api.call.creditsApi.accountSummary(alice.address);
  assert.ok(summary.spendable.toBigInt() > 0n);
  assert.ok(summary.lots.length >= 1);
  const lot = summary.lots[0];
  // Genesis lots expire 365 days (3 s blocks: 28,800 a day) after block 0.
  const blocksPerDay = 28_800;
  assert.equal(lot.expiresOnDay.toNumber(), 365);
  assert.equal(lot.expiresAtBlock.toNumber(), 365 * blocksPerDay);
  const inDays = (lot.expiresAtMs.toNumber() - Date.now()) / 86_400_000;
  assert.ok(inDays > 363 && inDays < 366, `expires in ${inDays} days`);
  assert.deepEqual(summary.nextExpiry.unwrap().toJSON(), lot.toJSON());
  // The JSON-RPC method says the same.
  const rpc = await api._rpcCore.provider.send('declai_creditSummary', [alice.address]);
  assert.equal(BigInt(rpc.lots[0].amount), lot.amount.toBigInt());
  assert.equal(rpc.lots[0].expiresAtBlock, 365 * blocksPerDay);
});

test('Alice transfers 1 CRED to Bob', async () => {
  const { block, events, error } = await send(api.tx.credits.transfer(bob.address, CRED), alice);
  assert.equal(error, null);
  const parent = await parentOf(block);

  const transferred = events.find((e) => e.section === 'credits' && e.method === 'Transferred');
  assert.ok(transferred, 'a Transferred event');
  assert.equal(transferred.data.from.toString(), alice.address);
  assert.equal(transferred.data.to.toString(), bob.address);
  assert.equal(transferred.data.amount.toBigInt(), CRED);
  const fee = feeOf(events);
  assert.ok(fee > 0n && fee < CRED / 100n, `fee ${fee}`);

  assert.equal(await spendable(bob.address, block), (await spendable(bob.address, parent)) + CRED);
  assert.equal(await spendable(alice.address, block), (await spendable(alice.address, parent)) - CRED - fee);

  // Storage: Bob's lots sum to his spendable balance, and the credit he received kept its
  // expiry day: Alice only had genesis credits (day 365), so Bob's day-365 lot grew by 1 CRED.
  const lots = await (await at(block)).query.credits.lots(bob.address);
  const sum = lots.reduce((acc, lot) => acc + lot.amount.toBigInt(), 0n);
  assert.equal(sum, await spendable(bob.address, block));
  const day365 = async (b) => {
    const l = (await (await at(b)).query.credits.lots(bob.address)).find((lot) => lot.expiresOn.toNumber() === 365);
    return l ? l.amount.toBigInt() : 0n;
  };
  assert.equal(await day365(block), (await day365(parent)) + CRED);
  // The fee was destroyed: issuance fell by exactly the fee.
  const issuance = async (b) => (await (await at(b)).query.credits.totalIssuance()).toBigInt();
  assert.equal(await issuance(block), (await issuance(parent)) - fee);
});

/// Sends a transfer that must fail with `expected`; checks that only the fee moved.
async function assertTransferFails(tx, expected, receiver = bob.address) {
  const { block, events, error } = await send(tx, alice);
  assert.equal(error, expected);
  const parent = await parentOf(block);
  const fee = feeOf(events);
  if (receiver !== alice.address) {
    assert.equal(await owned(receiver, block), await owned(receiver, parent), 'receiver unchanged');
  }
  assert.equal(await spendable(alice.address, block), (await spendable(alice.address, parent)) - fee, 'sender lost only the fee');
  assert.ok(!events.some((e) => e.section === 'credits' && e.method === 'Transferred'));
}

test('a transfer of more than the spendable balance fails with InsufficientCredits', async () => {
  const have = await spendable(alice.address);
  await assertTransferFails(api.tx.credits.transfer(bob.address, have + 1n), 'credits.InsufficientCredits');
});

test('a zero transfer fails with ZeroAmount', async () => {
  await assertTransferFails(api.tx.credits.transfer(bob.address, 0), 'credits.ZeroAmount');
});

test('a transfer to self fails with TransferToSelf', async () => {
  await assertTransferFails(api.tx.credits.transfer(alice.address, CRED), 'credits.TransferToSelf', alice.address);
});

test('on the dev chain the 5% rule is the live cap: an account cannot be paid above 5% of the supply', async () => {
  // The dev genesis endows 40 accounts (the 12 well-known ones and 28 keyless reserves), so 5% of
  // the supply is above the bootstrap floor from block 0; no governance call is needed to see it.
  const head = await api.rpc.chain.getHeader();
  const now = await at(head.hash);
  const issuance = (await now.query.credits.totalIssuance()).toBigInt();
  const floor = (await now.query.credits.bootstrapCap()).toBigInt();
  const economics = await api._rpcCore.provider.send('declai_economics', [head.hash.toHex()]);
  const cap = issuance / 20n;
  assert.ok(floor < cap, `bootstrap floor ${floor} below 5% of ${issuance}`);
  assert.equal(BigInt(economics.concentrationCap), cap);
  // Three donors fill a fresh account to 18,000 CRED; a fourth that would take it past 5% of the
  // supply is refused by name and moves nothing; what fits goes through.
  const receiver = keyring.addFromUri('//CapTest');
  const donors = ['//Charlie', '//Dave', '//Eve'].map((u) => keyring.addFromUri(u));
  for (const d of donors) {
    const r = await send(api.tx.credits.transfer(receiver.address, 6_000n * CRED), d);
    assert.equal(r.error, null);
  }
  const ferdie = keyring.addFromUri('//Ferdie');
  const over = cap - (await owned(receiver.address)) + CRED;
  const refused = await send(api.tx.credits.transfer(receiver.address, over), ferdie);
  assert.equal(refused.error, 'credits.ConcentrationCapExceeded');
  assert.equal(await owned(receiver.address, refused.block), await owned(receiver.address, await parentOf(refused.block)));
  const fits = (await api.query.credits.totalIssuance()).toBigInt() / 20n - (await owned(receiver.address)) - CRED;
  const ok = await send(api.tx.credits.transfer(receiver.address, fits), ferdie);
  assert.equal(ok.error, null);
  // Governance's bootstrap floor lifts the cap only when it is above 5% of the supply.
  const setFloor = (cap) => send(api.tx.sudo.sudo(api.tx.credits.setBootstrapCap(cap)), alice);
  assert.equal((await send(api.tx.credits.transfer(receiver.address, 2n * CRED), ferdie)).error, 'credits.ConcentrationCapExceeded');
  assert.equal((await setFloor(cap + 10n * CRED)).error, null);
  try {
    assert.equal((await send(api.tx.credits.transfer(receiver.address, 2n * CRED), ferdie)).error, null);
  } finally {
    assert.equal((await setFloor(floor)).error, null);
  }
  // Give it back (all but 2 CRED, which pay the fees), so the suites after this one see about the
  // genesis balances.
  for (const d of [...donors, ferdie]) {
    const amount = d === ferdie ? fits : 6_000n * CRED;
    assert.equal((await send(api.tx.credits.transfer(d.address, amount), receiver)).error, null);
  }
});

test('an account without credits cannot get a transaction into a block', async () => {
  const nobody = keyring.addFromUri('//DeclaiNobody');
  await assert.rejects(
    send(api.tx.credits.transfer(bob.address, 1n), nobody),
    /Inability to pay some fees|1010/,
  );
});

test('only governance can mint', async () => {
  const { error } = await send(api.tx.credits.forceMint(bob.address, CRED), alice);
  assert.equal(error, 'BadOrigin');
  const { events, error: sudoError } = await send(api.tx.sudo.sudo(api.tx.credits.forceMint(bob.address, CRED)), alice);
  assert.equal(sudoError, null);
  const minted = events.find((e) => e.section === 'credits' && e.method === 'Minted');
  assert.ok(minted, 'a Minted event');
  assert.equal(minted.data.amount.toBigInt(), CRED);
  assert.equal(minted.data.withheld.toBigInt(), 0n);
});
