/**
 * The contenders, in table order, and how to prepare each before its children
 * run. A setup that throws marks the whole column "n/a: <reason>".
 * `label` heads its column, `short` names it in the ratios, and
 * `unsupported` names metrics a contender cannot take part in, and why.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** execFile, failing with the command's last stderr line rather than its argv. */
async function run(cmd, args, options = {}) {
  try {
    return await execFileAsync(cmd, args, { timeout: 30_000, ...options });
  } catch (err) {
    const lines = String(err.stderr ?? "")
      .trim()
      .split("\n");
    throw new Error(lines.at(-1) || err.message, { cause: err });
  }
}
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const SECOND_CONNECTION = "interactive: ping on a 2nd connection (no multiplexing)";
const STDIO_HANDSHAKE = "no ready signal from a command; process start would dominate";

/** A self-signed P-256 certificate for localhost, made fresh for this run. */
async function makeCertificate(dir) {
  const keyPath = join(dir, "tls-key.pem");
  const certPath = join(dir, "tls-cert.pem");
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
    ...["-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=DNS:localhost"],
  ]);
  return { keyPath, certPath };
}

/** Two fresh homes and their device IDs, via `idOf(home)`. */
async function twoHomes(dir, prefix, idOf) {
  const serverHome = join(dir, `${prefix}-server`);
  const clientHome = join(dir, `${prefix}-client`);
  await mkdir(serverHome, { recursive: true });
  await mkdir(clientHome, { recursive: true });
  return {
    serverHome,
    clientHome,
    serverId: await idOf(serverHome),
    clientId: await idOf(clientHome),
  };
}

async function libraryId(home) {
  const script = fileURLToPath(new URL("walkie.mjs", import.meta.url));
  const { stdout } = await run(process.execPath, [script, "id", home]);
  return stdout.trim();
}

async function cliId(home) {
  await access(CLI).catch((err) => {
    throw new Error("dist/cli/main.js not built yet", { cause: err });
  });
  const env = { ...process.env, WALKIE_HOME: home };
  const { stdout } = await run(process.execPath, [CLI, "id", "--json"], { env });
  return JSON.parse(stdout).id;
}

async function packageVersion(name) {
  const json = await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8");
  return JSON.parse(json).version;
}

export const contenders = [
  {
    name: "net",
    label: "net",
    short: "net",
    script: "net.mjs",
    notes: ["plain TCP, no encryption", SECOND_CONNECTION],
    setup: async () => ({}),
  },
  {
    name: "tls",
    label: "TLS 1.3",
    short: "TLS",
    script: "tls.mjs",
    notes: ["node:tls, P-256 self-signed cert verified by the client", SECOND_CONNECTION],
    setup: (dir) => makeCertificate(dir),
  },
  {
    name: "socat",
    label: "socat",
    short: "socat",
    script: "socat.mjs",
    notes: ["socat STDIO<->TCP both sides, fed/drained by Node over pipes", SECOND_CONNECTION],
    unsupported: { handshake: STDIO_HANDSHAKE },
    setup: async () => {
      const { stdout } = await run("socat", ["-V"]);
      return { version: /socat version (\S+)/.exec(stdout)?.[1] };
    },
  },
  {
    name: "libp2p",
    label: "libp2p",
    short: "libp2p",
    script: "libp2p.mjs",
    notes: ["TCP + Noise + Yamux, one connection, a stream per channel"],
    setup: async () => ({
      versions: Object.fromEntries(
        await Promise.all(
          ["libp2p", "@libp2p/tcp", "@chainsafe/libp2p-noise", "@chainsafe/libp2p-yamux"].map(
            async (name) => [name, await packageVersion(name)],
          ),
        ),
      ),
    }),
  },
  {
    name: "walkie",
    label: "walkie",
    short: "walkie",
    script: "walkie.mjs",
    notes: ["library: one link, a stream per channel"],
    setup: (dir) => twoHomes(dir, "lib", libraryId),
  },
  {
    name: "walkie-pipe",
    label: "walkie pipe",
    short: "walkie pipe",
    script: "walkie-pipe.mjs",
    notes: ["CLI `walkie pipe` both sides, fed/drained like socat", SECOND_CONNECTION],
    unsupported: { handshake: STDIO_HANDSHAKE },
    setup: (dir) => twoHomes(dir, "cli", cliId),
  },
];

/** Names of the contenders Walkie is compared against. */
export const PEERS = ["net", "tls", "socat", "libp2p"];
