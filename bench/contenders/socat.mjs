/**
 * Reference peer: socat relaying stdio over plain TCP (no encryption), one
 * socat process per connection. `-b` raises socat's 8 KiB default block size
 * so it is not the bottleneck; nodelay matches the other peers.
 */
import { runPeer } from "../lib/peer.mjs";
import { stdioAdapter } from "../lib/stdio-peer.mjs";

const BLOCK = ["-b", "131072"];

const adapter = stdioAdapter({
  server: () => ({
    cmd: "socat",
    args: ["-d", "-d", ...BLOCK, "TCP-LISTEN:0,bind=127.0.0.1,nodelay", "STDIO"],
  }),
  // socat -d -d logs "N listening on AF=2 127.0.0.1:PORT".
  parsePort: (line) => Number(/listening on .*:(\d+)$/.exec(line)?.[1]) || undefined,
  client: (port) => ({ cmd: "socat", args: [...BLOCK, "STDIO", `TCP:127.0.0.1:${port},nodelay`] }),
});

await runPeer(adapter);
