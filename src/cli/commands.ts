/**
 * What each command accepts: its name, arguments, options and help text,
 * declared here without loading it. A command's module (commands/NAME.ts)
 * and the library behind it load only when that command runs, so
 * `walkie --help` or `walkie id` pays for one command, not all of them.
 */
import type { Command } from "commander";

/** An action that imports its command's module when the command runs, then runs it. */
function lazy<A extends unknown[]>(load: () => Promise<{ run(...args: A): Promise<void> }>) {
  return async (...args: A): Promise<void> => (await load()).run(...args);
}

/** Adds --stdio, --via, --serial and --baud to `command`. */
function addByteStreamOptions(command: Command): Command {
  return command
    .option("--stdio", "link over this process's stdin/stdout (run by ssh or socat) instead of TCP")
    .option(
      "--via <command>",
      'link over the stdio of a command, e.g. "ssh host walkie ... --stdio"',
    )
    .option("--serial <path>", "link over a serial port (e.g. /dev/ttyUSB0) instead of TCP")
    .option("--baud <rate>", "with --serial: bits per second", "115200");
}

/** Declares every command on `program`, in the order `walkie --help` lists them. */
export function declareCommands(program: Command): void {
  program
    .command("up")
    .description("run this device's node: links with paired peers, the web UI, monitoring")
    .option("--host <host>", "address peers link to", "::")
    .option("--port <port>", "TCP port peers link to (default: the last one, else any free port)")
    .option("--ui-port <port>", "port of the web UI on 127.0.0.1 (default: the last one, else any)")
    .option("--no-ui", "serve no web UI (the control API for the CLI still runs)")
    .option("--inbox <dir>", "folder for received files")
    .option(
      "--allow-forward <target...>",
      "host:port[/tcp|/udp] that paired peers may reach through walkie forward (default: config.json's allowForward)",
    )
    .option("--name <name>", "this device's name (saved)")
    .option("--json", "NDJSON events on stderr (up, log, error)")
    .action(lazy(() => import("./commands/up.js")));
  program
    .command("status")
    .description("the running node: links with bytes, rates, RTT, streams; peers; transfers")
    .option("--json", "print the status as JSON on stdout")
    .action(lazy(() => import("./commands/status.js")));
  program
    .command("id")
    .description("show this device's ID and name (creates the identity on first use)")
    .option("--json", "print {id, name, publicKey} as JSON")
    .option("--set-name <name>", "change the device name shown to peers")
    .action(lazy(() => import("./commands/id.js")));
  addByteStreamOptions(program.command("pair"))
    .argument("[code]", "the code the other device shows; without it, make a code and wait")
    .description("pair with another device by a one-time code; afterwards links need no code")
    .option("--name <name>", "this device's name, shown to the other side (saved)")
    .option("--host <host>", "waiting: address to listen on", "::")
    .option("--port <port>", "waiting: TCP port (0 = any free port)", "0")
    .option(
      "--from <host:port>",
      "joining: the waiting device's address, instead of finding it on the LAN",
    )
    .option("--json", "NDJSON events on stderr (code, paired, warning, error)")
    .action(lazy(() => import("./commands/pair.js")));
  program
    .command("peers")
    .description("paired peers (online or not, last seen) and Walkie devices on the LAN now")
    .option("--json", "print {paired, lan} as JSON on stdout")
    .option("--wait <ms>", "how long to listen for devices on the LAN", "1500")
    .action(lazy(() => import("./commands/peers.js")));
  program
    .command("unpair")
    .argument("<peer>", "name, device ID or a unique prefix of either")
    .description("forget a paired peer: its links are refused from now on")
    .option("--json", "print {id, name} of the forgotten peer as JSON on stdout")
    .action(lazy(() => import("./commands/unpair.js")));
  addByteStreamOptions(program.command("pipe"))
    .description("encrypted netcat: stdin to the peer's stdout, both ways, with half-close")
    .option("--listen", "wait for the peer to connect")
    .option("--host <host>", "with --listen: address to listen on", "::")
    .option("--port <port>", "with --listen: TCP port (0 = any free port)", "0")
    .option(
      "--allow <peer...>",
      "with --listen: who may connect (device IDs or paired names); default: every paired peer, and announce on the LAN",
    )
    .option(
      "--to <peer|host:port>",
      "connect to a paired peer (name or ID, found on the LAN) or an address",
    )
    .option(
      "--peer <peer>",
      "with --to HOST:PORT: the device expected to answer (default: any paired peer)",
    )
    .option("--json", "NDJSON status events on stderr (listening, connected, closed, error)")
    .option("--input <file>", "send this file instead of stdin")
    .option("--output <file>", "write what comes to this file instead of stdout")
    .action(lazy(() => import("./commands/pipe.js")));
  const forward = program
    .command("forward")
    .argument("[local-port]", "local port whose connections go to the peer")
    .argument("[peer]", "a paired peer (name or ID), or HOST:PORT (with --peer)")
    .argument("[target]", "HOST:PORT that the peer connects each connection to")
    .description(
      "forward a local TCP (or UDP) port to a host:port on the peer's side; --serve on the peer",
    )
    .option("--udp", "forward UDP datagrams instead of TCP connections")
    .option("--bind <host>", "local address to listen on", "127.0.0.1")
    .option("--peer <peer>", "with PEER as HOST:PORT: the device expected to answer")
    .option("--serve", "the other end: accept links and connect the targets they ask for")
    .option(
      "--allow-forward <host:port...>",
      "with --serve: targets peers may reach (HOST:PORT, or HOST:PORT/tcp, /udp); default none",
    )
    .option("--host <host>", "with --serve: address to listen on for links", "::")
    .option("--port <port>", "with --serve: TCP port for links (0 = any free port)", "0")
    .option(
      "--allow <peer...>",
      "with --serve: who may link (device IDs or names); default paired peers",
    )
    .option("--listen", "over --stdio/--serial: wait for the other side (the default with --serve)")
    .option("--json", "NDJSON status events on stderr");
  addByteStreamOptions(forward).action(lazy(() => import("./commands/forward.js")));
  addByteStreamOptions(program.command("chat"))
    .argument("<peer>", "a paired peer (name or ID), or a device ID with --to")
    .description("chat with a peer: interactive, or --send / --json for scripts; history is kept")
    .option("--send", "send each line of stdin as a message, wait for the receipts, exit")
    .option(
      "--json",
      'NDJSON: stdin lines {"text": ...} are sent, events go to stdout (with --send: status on stderr)',
    )
    .option("--history [n]", "print the last N messages (default 20) and exit")
    .option(
      "--wait <seconds>",
      "with --send or --json: how long to wait for receipts at the end",
      "10",
    )
    .option("--to <host:port>", "dial the peer at this address")
    .option("--port <port>", "listen for the peer on this TCP port", "0")
    .option("--no-tcp-listen", "do not listen for the peer (only dial it)")
    .option("--listen", "over --serial/--stdio/--via: wait for the other side's handshake")
    .action(lazy(() => import("./commands/chat.js")));
  addByteStreamOptions(program.command("send"))
    .argument("[paths...]", "files and folders to send; - sends stdin as one file")
    .description(
      "send files, folders or a text: to a paired peer, or to whoever has the one-time code",
    )
    .option(
      "--to <peer|host:port>",
      "send straight to a paired peer (name or ID) or an address; over --serial/--stdio/--via: the peer expected at the other end",
    )
    .option("--peer <peer>", "with --to HOST:PORT: the device expected to answer")
    .option("--text <text>", "send a short text instead of files")
    .option("--name <name>", "with -: the name of the file made from stdin", "stdin")
    .option("--links", "send symbolic links inside folders as links (else they are skipped)")
    .option("--host <host>", "with a code: address to listen on", "::")
    .option("--port <port>", "with a code: TCP port (0 = any free port)", "0")
    .option("--parallel <n>", "data streams at once", "3")
    .option("--idle-timeout <seconds>", "give up when nothing moves for this long", "30")
    .option(
      "--json",
      "NDJSON events on stderr (code, connected, accepted, progress, file-done, done, error)",
    )
    .action(lazy(() => import("./commands/send.js")));
  addByteStreamOptions(program.command("receive"))
    .argument("[code]", "the code the sender shows")
    .description(
      "receive files, folders or a text: by the sender's one-time code, or from a paired peer",
    )
    .option("--from <host:port>", "the sender's address, instead of finding it on the LAN")
    .option("--out <dir>", "folder to write into", ".")
    .option("-y, --yes", "accept without asking")
    .option("--overwrite", "replace existing files of the same name (else: name (1).ext)")
    .option("--listen", "instead of a code: wait for a paired (or --allow) sender")
    .option("--host <host>", "with --listen: address to listen on", "::")
    .option("--port <port>", "with --listen: TCP port (0 = any free port)", "0")
    .option(
      "--allow <peer...>",
      "with --listen: who may send (device IDs or paired names); default: paired peers",
    )
    .option("--idle-timeout <seconds>", "give up when nothing moves for this long", "30")
    .option("--json", "NDJSON events on stderr (offer, accepted, progress, file-done, done, error)")
    .action(lazy(() => import("./commands/receive.js")));
}
