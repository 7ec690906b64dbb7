/** A send as `walkie up` keeps it in send-queue.json, for queue and desk tests. */
import { join } from "node:path";
import type { QueuedSend } from "../../src/node/daemon/send-queue.js";
import { EntryKind } from "../../src/services/files/index.js";

/** A waiting send of one 10-byte movie.bin to "bob"; `fields` override any part. */
export function sampleQueuedSend(home: string, fields: Partial<QueuedSend> = {}): QueuedSend {
  return {
    id: "0123456789abcdef",
    peerId: "PEER",
    peerName: "bob",
    paths: ["/tmp/movie.bin"],
    options: { links: false },
    createdAt: 1_700_000_000_000,
    state: "waiting",
    attempts: 0,
    names: ["movie.bin"],
    files: 1,
    totalBytes: 10,
    doneBytes: 0,
    staging: join(home, "outbox", "0123456789abcdef"),
    source: [["movie.bin", EntryKind.File, 10, 1_700_000_000_000]],
    ...fields,
  };
}
