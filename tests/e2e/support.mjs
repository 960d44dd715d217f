// Shared by the polkadot.js suites: the connection (as Polkadot-JS Apps connects: no custom
// types), a send helper that reports the dispatch error by name, an event log read block by
// block, and child processes (nodes, workers) with their logs.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { bnToU8a, stringToU8a, u8aConcat } from '@polkadot/util';

/// Connects to DECLAI_WS (default ws://127.0.0.1:9944); returns the API and a keyring.
export async function connect() {
  await cryptoWaitReady();
  const api = await ApiPromise.create({
    provider: new WsProvider(process.env.DECLAI_WS ?? 'ws://127.0.0.1:9944'),
    noInitWarn: true,
    throwOnConnect: true,
  });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  return { api, keyring };
}

/// Signs and sends; resolves when in a block with the events of this extrinsic and its dispatch
/// error as `section.Name` (null if it succeeded). Rejects if the pool refuses the transaction.
export function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      const { status, dispatchError, events } = result;
      if (!status.isInBlock) return;
      let error = null;
      if (dispatchError?.isModule) {
        const { section, name } = api.registry.findMetaError(dispatchError.asModule);
        error = `${section}.${name}`;
      } else if (dispatchError) {
        error = dispatchError.toString();
      }
      unsub?.();
      resolve({ block: status.asInBlock.toHex(), events: events.map((e) => e.event), error });
    })
      .then((u) => { unsub = u; })
      .catch(reject);
  });
}

/// The error of the call inside `sudo.sudo` as `section.Name`, or null if it succeeded.
export function sudoResult(api, events) {
  const sudid = events.find((e) => e.section === 'sudo' && e.method === 'Sudid');
  if (!sudid) throw new Error('no Sudid event');
  const result = sudid.data.sudoResult;
  if (result.isOk) return null;
  const err = result.asErr;
  if (err.isModule) {
    const { section, name } = api.registry.findMetaError(err.asModule);
    return `${section}.${name}`;
  }
  return err.toString();
}

/// Every event of the best chain, read block by block (a storage subscription may skip blocks
/// when the client or the node is busy). Call `sync()` before reading `all`.
export class EventLog {
  constructor(api) {
    this.api = api;
    this.all = [];
    this.next = 1;
  }

  /// Reads the events of every block from the last one read up to the best block.
  async sync() {
    const best = (await this.api.rpc.chain.getHeader()).number.toNumber();
    for (; this.next <= best; this.next += 1) {
      const hash = await this.api.rpc.chain.getBlockHash(this.next);
      const records = await this.api.query.system.events.at(hash);
      for (const r of records) this.all.push(r.event);
    }
    return this.all;
  }

  /// The first event of `section.method` that satisfies `pred`, after a sync.
  async find(section, method, pred = () => true) {
    await this.sync();
    return this.all.find((e) => e.section === section && e.method === method && pred(e));
  }

  /// Whether an event of `section.method` satisfies `pred`, after a sync.
  async some(section, method, pred = () => true) {
    return (await this.find(section, method, pred)) !== undefined;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// A free TCP port on localhost.
export const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

/// Polls `fn` every second until it returns something truthy (which it returns).
export async function until(what, fn, timeoutMs = 180_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

/// Named child processes with their logs in `dir` (appended across restarts).
export class Processes {
  constructor(dir) {
    this.dir = dir;
    this.children = new Map();
  }

  log(name) {
    return join(this.dir, `${name}.log`);
  }

  start(name, bin, args, env = {}) {
    const log = this.log(name);
    const child = spawn(bin, args, { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], env: { ...process.env, RUST_LOG: 'info', ...env } });
    this.children.set(name, child);
    return child;
  }

  /// Stops `name` (SIGTERM: gracefully; SIGKILL: a crash) and waits for it to exit.
  stop(name, signal = 'SIGTERM') {
    const child = this.children.get(name);
    if (!child) return Promise.resolve();
    this.children.delete(name);
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /// Stops everything, the last started first.
  async stopAll() {
    for (const name of [...this.children.keys()].reverse()) await this.stop(name);
  }

  running(name) {
    return this.children.has(name);
  }

  /// The last lines of `name`'s log.
  tail(name, lines = 25) {
    const log = this.log(name);
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }
}

/// Starts `bin` as a dev node (`--dev --tmp`, free ports, then `extra` arguments such as
/// `['--state-pruning', 'archive-canonical']`) under `procs` as `node`, waits until it produces
/// blocks and returns its WebSocket URL.
export async function startDevNode(procs, bin, extra = []) {
  const rpc = await freePort();
  const p2p = await freePort();
  procs.start('node', bin, ['--dev', '--tmp', '--rpc-port', String(rpc), '--port', String(p2p), '--no-prometheus', '--no-telemetry', ...extra]);
  await cryptoWaitReady();
  await until('the node to produce blocks', async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${rpc}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_getHeader', params: [] }),
      });
      return parseInt((await res.json()).result?.number ?? '0x0', 16) > 0;
    } catch { return false; }
  }, 120_000);
  return `ws://127.0.0.1:${rpc}`;
}

/// `n` as 8 little-endian bytes (a SCALE `u64`).
export const u64 = (n) => bnToU8a(n, { bitLength: 64, isLe: true });

/// The output commitment (declai_primitives::poi::output_commitment):
/// `blake2("declai/commit/v2" ‖ job ‖ worker ‖ salt ‖ activation_root ‖ output)`.
export function outputCommitment(job, worker, output, salt, activationRoot = new Uint8Array(32)) {
  return blake2AsU8a(u8aConcat(stringToU8a('declai/commit/v2'), u64(job), worker.publicKey, salt, activationRoot, output));
}

/// The attestation payload (declai_primitives::poi::Attestation::signing_payload).
export function attestation(job, modelRoot, inputHash, commit, execMicros) {
  return u8aConcat(stringToU8a('declai/attestation/v1'), u64(job), modelRoot, inputHash, commit, u64(execMicros));
}
