// The permissioned validator set through @polkadot/api: a validator registers session keys with a
// proof of possession (`author_rotateKeysWithOwner`, then `session.setKeys`), governance plans it
// into the set, and the change waits for the session boundary. Needs a running dev node
// (scripts/test.sh starts one); DECLAI_WS overrides the endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from '@polkadot/util';
import { connect, send as sendWith, sudoResult } from './support.mjs';

let api, keyring, alice, bob, charlie;

before(async () => {
  ({ api, keyring } = await connect());
  [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
});

after(async () => {
  await api?.disconnect();
});

const send = (tx, signer) => sendWith(api, tx, signer);
const sudo = async (call) => {
  const r = await send(api.tx.sudo.sudo(call), alice);
  assert.equal(r.error, null);
  return { ...r, error: sudoResult(api, r.events) };
};
const addresses = (list) => list.map((a) => a.toString());
// `author_rotateKeysWithOwner` (unsafe RPC, local node): new keys in the node's keystore and their
// proof of possession for `owner`, as hex.
const rotateKeysWithOwner = (owner) => api._rpcCore.provider.send('author_rotateKeysWithOwner', [u8aToHex(owner)]);

test('the dev chain starts with Alice as its only validator, with 100-block sessions', async () => {
  assert.deepEqual(addresses(await api.query.validators.validators()), [alice.address]);
  assert.deepEqual(addresses(await api.query.session.validators()), [alice.address]);
  assert.equal((await api.query.validators.sessionLength()).toNumber(), 100);
  const authorities = await api.query.consensus.authorities();
  assert.equal(authorities.length, 1);
  assert.equal(authorities[0].account.toString(), alice.address);
  // Alone, Alice has all the weight of the leader draw (parts per billion).
  assert.equal(authorities[0].weight.toBigInt(), 1_000_000_000n);
});

test('governance plans a validator with session keys; the set in force waits for the session change', async () => {
  // Without session keys: a named error, nothing planned.
  let r = await sudo(api.tx.validators.addValidator(charlie.address));
  assert.equal(r.error, 'validators.NoSessionKeys');
  // Only governance may change the set.
  r = await send(api.tx.validators.addValidator(bob.address), bob);
  assert.equal(r.error, 'BadOrigin');

  // Bob's node makes keys bound to his account; a proof of possession comes with them.
  const generated = await rotateKeysWithOwner(bob.addressRaw);
  const heldBefore = (await api.call.creditsApi.held(bob.address)).toBigInt();
  r = await send(api.tx.session.setKeys(generated.keys, generated.proof), bob);
  assert.equal(r.error, null);
  // Keys are storage: registering them holds a deposit of 1 CRED until `purge_keys`.
  assert.equal((await api.call.creditsApi.held(bob.address)).toBigInt() - heldBefore, 10n ** 12n);
  // A proof made for another account is refused.
  const forCharlie = await rotateKeysWithOwner(charlie.addressRaw);
  r = await send(api.tx.session.setKeys(forCharlie.keys, forCharlie.proof), bob);
  assert.equal(r.error, 'session.InvalidProof');

  r = await sudo(api.tx.validators.addValidator(bob.address));
  assert.equal(r.error, null);
  assert.ok(r.events.some((e) => e.section === 'validators' && e.method === 'ValidatorAdded' && e.data.who.toString() === bob.address));
  assert.deepEqual(addresses(await api.query.validators.planned()), [alice.address, bob.address]);
  assert.deepEqual(addresses(await api.query.validators.validators()), [alice.address], 'in force until the session change');
  r = await sudo(api.tx.validators.addValidator(bob.address));
  assert.equal(r.error, 'validators.AlreadyValidator');

  // Planned back before the boundary: nothing is handed over, the dev chain keeps one validator.
  r = await sudo(api.tx.validators.removeValidator(bob.address));
  assert.equal(r.error, null);
  r = await sudo(api.tx.validators.removeValidator(alice.address));
  assert.equal(r.error, 'validators.TooFewValidators');
  assert.deepEqual(addresses(await api.query.validators.planned()), [alice.address]);
});
