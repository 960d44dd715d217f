// A local network of real node processes from the committed `local` chain spec, for the network
// tests and the network benchmark: node directories, ports and keys, start and stop, plain
// JSON-RPC to any node, an @polkadot/api connection to Alice's, and the consensus data of blocks
// (author, slot, the leader drawn from the parent's weights and randomness).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { cryptoWaitReady, blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat, u8aToBigInt, bnToU8a, stringToU8a, u8aToString } from '@polkadot/util';
import { Processes, freePort, until } from '../e2e/support.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE = process.env.DECLAI_NODE;
export const WORKER = process.env.DECLAI_WORKER;
export const SPEC = join(root, 'chain-spec/local.json');
export const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];
// Alice's fixed libp2p key (…01) has this peer id; she is the others' bootnode.
const ALICE_PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const nodeKey = (i) => (i + 1).toString(16).padStart(64, '0');
const capitalized = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

/// The leader draw as the runtime defines it (`pallet_consensus::digest::leader`): blake2-256 of
/// ("declai/leader", randomness, slot as u64 LE), its first 16 bytes (LE) modulo the total weight,
/// walked through the cumulative weights.
export function drawLeader(weights, randomness, slot) {
  const seed = blake2AsU8a(u8aConcat(stringToU8a('declai/leader'), randomness, bnToU8a(slot, { bitLength: 64, isLe: true })), 256);
  const total = weights.reduce((a, b) => a + b, 0n);
  let target = u8aToBigInt(seed.slice(0, 16), { isLe: true }) % total;
  for (let i = 0; i < weights.length; i += 1) {
    if (target < weights[i]) return i;
    target -= weights[i];
  }
  return -1;
}

/// The DPoI pre-runtime digest of a header: authority index and slot.
export function preDigest(header) {
  for (const log of header.digest.logs) {
    if (!log.isPreRuntime) continue;
    const [engine, data] = log.asPreRuntime;
    if (u8aToString(engine.toU8a()) !== 'DPoI') continue;
    const bytes = data.toU8a(true);
    return { index: Number(u8aToBigInt(bytes.slice(0, 4), { isLe: true })), slot: u8aToBigInt(bytes.slice(4, 12), { isLe: true }) };
  }
  throw new Error(`block #${header.number} has no DPoI pre-digest`);
}

export class LocalNetwork {
  constructor(prefix = 'declai-network-') {
    assert.ok(NODE && existsSync(NODE), 'DECLAI_NODE must point at the built node');
    this.work = mkdtempSync(join(tmpdir(), prefix));
    this.procs = new Processes(this.work);
    this.nodes = {};
    this.blockCache = new Map();
  }

  /// Prepares a node's directory, ports and keys: `keys` is 'all' (authoring and GRANDPA),
  /// 'author' (authoring only: the node does not vote) or 'none' (the node makes its own).
  async prepare(name, suri, index, keys = 'all') {
    const dir = join(this.work, name);
    this.nodes[name] = { dir, rpc: await freePort(), p2p: await freePort(), key: nodeKey(index) };
    if (keys === 'none') return;
    const kinds = keys === 'author' ? [['sr25519', 'dpoi']] : [['sr25519', 'dpoi'], ['ed25519', 'gran']];
    for (const [scheme, type] of kinds) {
      const r = spawnSync(NODE, ['key', 'insert', '--base-path', dir, '--chain', SPEC, '--scheme', scheme, '--suri', suri, '--key-type', type], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  }

  startNode(name, extra = []) {
    const n = this.nodes[name];
    const peers = name === 'alice' ? [] : ['--bootnodes', `/ip4/127.0.0.1/tcp/${this.nodes.alice.p2p}/p2p/${ALICE_PEER}`];
    this.procs.start(name, NODE, ['--chain', SPEC, '--validator', '--name', name, '--base-path', n.dir, '--database', 'rocksdb',
      '--port', String(n.p2p), '--rpc-port', String(n.rpc), '--rpc-methods', 'unsafe', '--no-prometheus', '--no-telemetry',
      '--no-mdns', '--node-key', n.key, ...peers, ...extra]);
  }

  stop(name, signal) {
    return this.procs.stop(name, signal);
  }

  /// Starts the four validators, waits for a finalized block and connects to Alice's node.
  async start() {
    await cryptoWaitReady();
    for (const [i, name] of VALIDATORS.entries()) await this.prepare(name, `//${capitalized(name)}`, i);
    for (const name of VALIDATORS) this.startNode(name);
    await until('the network to finalize a block', async () => ((await this.heads('alice'))?.finalized ?? 0) >= 1, 120_000);
    this.api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${this.nodes.alice.rpc}`), noInitWarn: true, throwOnConnect: true });
    const keyring = new Keyring({ type: 'sr25519', ss58Format: this.api.registry.chainSS58 });
    this.accounts = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']
      .map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));
    this.keyring = keyring;
  }

  async shutdown() {
    await this.procs.stopAll();
    await this.api?.disconnect();
  }

  /// Starts a worker process for a well-known account, connected to Alice's node.
  startWorker(name, extra = []) {
    this.procs.start(`worker-${name}`, WORKER, ['run', '--node', `ws://127.0.0.1:${this.nodes.alice.rpc}`, '--account', `//${capitalized(name)}`,
      '--state-dir', join(this.work, `worker-${name}`), '--status-addr', '', '--class', 'cpu', '--bond', '10', ...extra]);
  }

  async rpc(name, method, params = []) {
    const res = await fetch(`http://127.0.0.1:${this.nodes[name].rpc}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await res.json();
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  }

  /// Best and finalized block numbers of a node (null if it does not answer).
  async heads(name) {
    try {
      const best = parseInt((await this.rpc(name, 'chain_getHeader')).number, 16);
      const finalizedHash = await this.rpc(name, 'chain_getFinalizedHead');
      const finalized = parseInt((await this.rpc(name, 'chain_getHeader', [finalizedHash])).number, 16);
      return { best, finalized };
    } catch {
      return null;
    }
  }

  async bestNumber() {
    return (await this.api.rpc.chain.getHeader()).number.toNumber();
  }

  async finalizedNumber() {
    return (await this.api.rpc.chain.getHeader(await this.api.rpc.chain.getFinalizedHead())).number.toNumber();
  }

  waitForBlock(n, timeoutMs = 120_000) {
    return until(`block #${n}`, async () => (await this.bestNumber()) >= n, timeoutMs);
  }

  nameOf(address) {
    return Object.keys(this.accounts).find((k) => this.accounts[k].address === address) ?? address;
  }

  logOf(name) {
    return existsSync(this.procs.log(name)) ? readFileSync(this.procs.log(name), 'utf8') : '';
  }

  /// Block `n` as Alice's node sees it: author, slot, timestamp, the drawn leader and the
  /// weights in force (from the parent's state, as the importers check it).
  async block(n) {
    if (this.blockCache.has(n)) return this.blockCache.get(n);
    const api = this.api;
    const hash = await api.rpc.chain.getBlockHash(n);
    const header = await api.rpc.chain.getHeader(hash);
    const parent = header.parentHash;
    const [authorities, randomness, now] = await Promise.all([
      api.query.consensus.authorities.at(parent), api.query.consensus.randomness.at(parent), api.query.timestamp.now.at(hash)]);
    const { index, slot } = preDigest(header);
    const weights = authorities.map((a) => a.weight.toBigInt());
    const info = {
      n, hash: hash.toHex(), slot, index, timestamp: now.toNumber(),
      author: authorities[index]?.account.toString(),
      leader: authorities[drawLeader(weights, randomness.toU8a(), slot)]?.account.toString(),
      weights: Object.fromEntries(authorities.map((a) => [a.account.toString(), Number(a.weight.toBigInt()) / 1e9])),
    };
    this.blockCache.set(n, info);
    return info;
  }

  async blocks(from, to) {
    const out = [];
    for (let n = from; n <= to; n += 1) out.push(await this.block(n));
    return out;
  }
}
