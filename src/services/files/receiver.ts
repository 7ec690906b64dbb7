/**
 * The receiving side of the files service as a stream handler: give
 * `receiver.handler` to `node.handle(FILES_SERVICE, ...)`. Each control
 * stream a peer opens becomes a ReceiveTransfer (event `transfer`); data
 * streams join the transfer they name, on the same link only.
 */
import { EventEmitter } from "node:events";
import type { Link, MuxStream } from "../../link/index.js";
import { decodeStreamOpen, StreamRole } from "./messages.js";
import { type ReceiveOptions, ReceiveTransfer } from "./receive-transfer.js";

/** The service name of file transfers. */
export const FILES_SERVICE = "files";

/** Events: `transfer` (ReceiveTransfer) when a peer starts one, before its offer is read. */
export class FilesReceiver extends EventEmitter {
  private readonly transfers = new Set<ReceiveTransfer>();

  constructor(private readonly options: ReceiveOptions) {
    super();
  }

  /** Transfers in progress. */
  get active(): ReceiveTransfer[] {
    return [...this.transfers];
  }

  /** The stream handler for `node.handle(FILES_SERVICE, receiver.handler)`. */
  readonly handler = (stream: MuxStream, link: Link): void => {
    let role: StreamRole;
    let id: Buffer | undefined;
    try {
      ({ role, id } = decodeStreamOpen(stream.metadata));
    } catch {
      stream.reset("ERR_FILES_PROTOCOL");
      return;
    }
    if (role === StreamRole.Data) {
      const transfer = [...this.transfers].find(
        (t) => t.link === link && t.offerId !== undefined && id!.equals(t.offerId),
      );
      if (transfer === undefined) stream.reset("ERR_UNKNOWN_TRANSFER");
      else transfer.addDataStream(stream);
      return;
    }
    const transfer = new ReceiveTransfer(stream, link, this.options);
    this.transfers.add(transfer);
    transfer.result.finally(() => this.transfers.delete(transfer)).catch(() => {});
    this.emit("transfer", transfer);
    void transfer.run();
  };
}
