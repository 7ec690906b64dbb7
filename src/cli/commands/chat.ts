import { type ChatService, ConfigError, type Link } from "../../index.js";
import { keepLinked } from "../chat-presence.js";
import { runJson, runSend } from "../chat-scripted.js";
import { openTerminal } from "../chat-terminal.js";
import { NodeChat } from "../chat-via-node.js";
import { formatMessage, messageEvent } from "../chat-view.js";
import { onInterrupt, openNode, peerIdFor, portOption, runningNode } from "../context.js";
import {
  type ByteStreamOptions,
  byteStreamKind,
  linkOverByteStream,
  releaseByteStreams,
} from "../link-options.js";
import { createReporter, fail } from "../output.js";

interface ChatOptions extends ByteStreamOptions {
  send?: boolean;
  json?: boolean;
  history?: string | boolean;
  wait?: string;
  to?: string;
  port?: string;
  listen?: boolean;
  tcpListen?: boolean;
}

/** Runs `walkie chat`; loaded only then. Its arguments and options: ../commands.ts. */
export async function run(peerText: string, options: ChatOptions): Promise<void> {
  const json = options.json === true;
  const reporter = createReporter(json);
  try {
    const node = await openNode();
    const peerId = await peerIdFor(node, peerText);
    const paired = await node.peers.get(peerId);
    const peerName = paired?.name ?? peerId.slice(0, 9);
    // `walkie up` runs with this home: it holds the link and the history; talk to it.
    const control =
      byteStreamKind(options) === undefined && options.to === undefined
        ? await runningNode()
        : undefined;
    const viaNode = control ? await NodeChat.open(control) : undefined;
    const chat = viaNode ? (viaNode as unknown as ChatService) : node.chat;
    if (options.history !== undefined) {
      const limit = options.history === true ? 20 : Number(options.history);
      if (!Number.isInteger(limit) || limit <= 0) {
        throw new ConfigError("ERR_USAGE", `--history ${options.history} is not a count`);
      }
      await printHistory(chat, peerId, peerName, limit, json);
      viaNode?.close();
      await node.close();
      return;
    }
    const interactive = !options.send && !options.json && process.stdin.isTTY === true;
    const terminal = interactive ? openTerminal(chat, peerId, peerName) : undefined;
    const ui = terminal?.reporter ?? reporter;
    node.on("warning", (err: unknown) => ui.warn(err));
    const onLink = (link: Link) =>
      terminal
        ? terminal.linked(link)
        : reporter.event(
            "connected",
            { peer: link.peer.id, name: link.peer.name },
            `walkie: ${link.peer.name} is online`,
          );
    let stopPresence = () => {};
    if (byteStreamKind(options) !== undefined) {
      const link = await linkOverByteStream(node, options, {
        listen: options.listen === true,
        peers: [peerId],
      });
      onLink(link);
    } else if (viaNode) {
      ui.event(
        "via",
        { control: control?.info.control },
        `walkie: through the running node (pid ${control?.info.pid})`,
      );
    } else {
      stopPresence = await keepLinked(
        node,
        {
          peerId,
          peerText,
          to: options.to,
          listen: options.tcpListen !== false,
          port: portOption("--port", options.port ?? "0"),
          paired: paired !== undefined,
        },
        ui,
        onLink,
      );
    }
    const finish = async (code: number) => {
      stopPresence();
      const pending = (await chat.pending(peerId)).length;
      viaNode?.close();
      if (pending > 0) {
        ui.event(
          "queued",
          { peer: peerId, pending },
          `walkie: ${pending} message${pending === 1 ? "" : "s"} queued for ${peerName}; sent when you are both online`,
        );
      }
      await node.close();
      await releaseByteStreams();
      process.exit(code);
    };
    onInterrupt(() => finish(130));
    const waitMs = Number(options.wait ?? "10") * 1000;
    if (options.send) await runSend(chat, peerId, reporter, waitMs, finish);
    else if (options.json) await runJson(chat, peerId, waitMs, finish);
    else if (terminal) terminal.run(finish);
    else await runSend(chat, peerId, reporter, waitMs, finish);
  } catch (err: unknown) {
    fail(err, json);
    process.exit();
  }
}

async function printHistory(
  chat: ChatService,
  peer: string,
  name: string,
  limit: number,
  json: boolean,
) {
  for (const message of await chat.history(peer, limit)) {
    process.stdout.write(
      json
        ? `${JSON.stringify(messageEvent("history", message))}\n`
        : `${formatMessage(message, name)}\n`,
    );
  }
}
