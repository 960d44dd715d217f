// Traffic for the explorer benchmark's chain (scripts/bench-explorer.sh): on every new block, one
// dev account sends the next one a small credit transfer, round the six dev accounts, until it is
// killed. `node bench/explorer-traffic.mjs ws://127.0.0.1:9977`
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';

const api = await ApiPromise.create({ provider: new WsProvider(process.argv[2]), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
const accounts = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((n) => keyring.addFromUri(`//${n}`));
let i = 0;
await api.rpc.chain.subscribeNewHeads(async () => {
  const [from, to] = [accounts[i % accounts.length], accounts[(i + 1) % accounts.length]];
  i += 1;
  try {
    // 0.001 CRED; `nonce: -1` asks the node (chain and pool) for the next one.
    await api.tx.credits.transfer(to.address, 10n ** 9n).signAndSend(from, { nonce: -1 });
  } catch (e) {
    console.error(`transfer from ${from.address}: ${e.message}`);
  }
});
