// A hostile sender written against the library API, talking the files
// protocol by hand to a real FilesReceiver over a real link: unsafe names,
// sizes that lie, more data than announced, a wrong hash, a million
// entries, protocol abuse. Each must end the transfer with the right code,
// close the link where the peer misbehaved, and leave no file that looks
// complete.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createNode, hasCode, type Link, type MuxStream } from "../../src/index.js";
import {
  FILES_SERVICE,
  FilesReceiver,
  type ReceiveOptions,
  type ReceiveTransfer,
} from "../../src/services/files/index.js";
import { EntryKind, encodeOffer, type ManifestEntry } from "../../src/services/files/manifest.js";
import {
  encodeFileStart,
  encodeStreamOpen,
  StreamRole,
} from "../../src/services/files/messages.js";
import { encodeRecord, RecordType, recordHeader } from "../../src/services/files/protocol.js";
import { RecordReader } from "../../src/services/files/record-io.js";
import { tempDir } from "../helpers/temp.js";

const attackerNode = await createNode({ home: tempDir(), name: "mallory", discovery: false });
const victimNode = await createNode({ home: tempDir(), name: "victim", discovery: false });
/** Each link the victim accepts gets its own receiver (and target folder). */
const receivers = new Map<Link, FilesReceiver>();
victimNode.handle(FILES_SERVICE, (stream, link) => {
  const receiver = receivers.get(link);
  if (receiver === undefined) stream.reset("ERR_NO_RECEIVER");
  else receiver.handler(stream, link);
});
const listener = await victimNode.listen({ host: "127.0.0.1", allow: () => {} });
after(() => Promise.all([attackerNode.close(), victimNode.close()]));

let dialing: Promise<unknown> = Promise.resolve();

interface Session {
  link: Link;
  out: string;
  transfer: Promise<ReceiveTransfer>;
  closed: Promise<void>;
  id: Buffer;
  control: MuxStream;
}

/** A fresh link from the attacker to a receiver writing into a fresh folder. */
async function connect(options: Partial<ReceiveOptions> = {}): Promise<Session> {
  const out = options.outDir ?? tempDir("walkie-hostile-out-");
  const receiver = new FilesReceiver({ outDir: out, ...options });
  const transfer = new Promise<ReceiveTransfer>((resolve) => receiver.once("transfer", resolve));
  // One dial at a time, so the victim's next link is this one.
  const turn = dialing.then(async () => {
    const accepted = new Promise<Link>((resolve) => victimNode.once("link", resolve));
    const port = listener.port;
    const link = await attackerNode.dial({ host: "127.0.0.1", port, peer: victimNode.id });
    return { link, victimLink: await accepted };
  });
  dialing = turn.catch(() => {});
  const { link, victimLink } = await turn;
  receivers.set(victimLink, receiver);
  // The receiver closes its link with a peer that broke the rules.
  const closed = new Promise<void>((resolve) => victimLink.once("close", () => resolve()));
  const control = link.openStream(FILES_SERVICE, encodeStreamOpen({ role: StreamRole.Control }));
  control.on("error", () => {});
  return { link, out, transfer, closed, id: randomBytes(16), control };
}

function file(path: string, size: number): ManifestEntry {
  return { path, kind: EntryKind.File, size, mode: 0o644, mtimeMs: 1_700_000_000_000 };
}

function offer(session: Session, entries: ManifestEntry[]): void {
  session.control.write(encodeRecord(RecordType.Offer, encodeOffer({ id: session.id, entries })));
}

async function answer(session: Session): Promise<RecordType> {
  const reader = new RecordReader(session.control, Object.values(RecordType) as RecordType[]);
  const event = await reader.next();
  assert.ok(event !== null, "no answer");
  return event.type;
}

async function expectFailure(session: Session, code: string, linkCloses: boolean): Promise<void> {
  const transfer = await session.transfer;
  await assert.rejects(transfer.result, (err) => hasCode(err, code) || assert.fail(String(err)));
  if (linkCloses) await session.closed;
}

function openData(session: Session): MuxStream {
  const stream = session.link.openStream(
    FILES_SERVICE,
    encodeStreamOpen({ role: StreamRole.Data, id: session.id }),
  );
  stream.on("error", () => {});
  return stream;
}

function sha(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

const UNSAFE: Array<[string, ManifestEntry[]]> = [
  ["dot-dot", [file("../evil", 1)]],
  ["dot-dot inside", [file("a/../../evil", 1)]],
  ["absolute", [file("/etc/passwd", 1)]],
  ["drive", [file("C:/evil", 1)]],
  ["backslash", [file("a\\..\\..\\evil", 1)]],
  ["NUL", [file("a\u0000b", 1)]],
  ["control character", [file("a\u001bb", 1)]],
  ["Unicode normalization twin", [file("caf\u00e9", 1), file("cafe\u0301", 1)]],
  ["inside a file", [file("a", 1), file("a/b", 1)]],
  [
    "link out of its folder",
    [
      {
        path: "top/l",
        kind: EntryKind.Symlink,
        size: 0,
        mode: 0o777,
        mtimeMs: 0,
        target: "../../etc",
      },
    ],
  ],
  [
    "absolute link",
    [{ path: "top/l", kind: EntryKind.Symlink, size: 0, mode: 0o777, mtimeMs: 0, target: "/etc" }],
  ],
  [
    "file through a link",
    [
      { path: "top/l", kind: EntryKind.Symlink, size: 0, mode: 0o777, mtimeMs: 0, target: "d" },
      file("top/l/x", 1),
    ],
  ],
];

test("each unsafe name rejects the offer and closes the link; nothing is written", async () => {
  await Promise.all(
    UNSAFE.map(async ([what, entries]) => {
      const session = await connect();
      offer(session, entries);
      assert.equal(await answer(session), RecordType.Reject, what);
      await expectFailure(session, "ERR_UNSAFE_PATH", true);
      assert.deepEqual(readdirSync(session.out), [], what);
    }),
  );
});

test("a symbolic link in the target folder is never written through (with --overwrite)", async () => {
  const out = tempDir("walkie-hostile-out-");
  const outside = tempDir("walkie-hostile-outside-");
  symlinkSync(outside, join(out, "evil"));
  const session = await connect({ outDir: out, overwrite: true });
  offer(session, [
    { path: "evil", kind: EntryKind.Dir, size: 0, mode: 0o755, mtimeMs: 0 },
    file("evil/x", 1),
  ]);
  assert.equal(await answer(session), RecordType.Reject);
  await expectFailure(session, "ERR_UNSAFE_PATH", true);
  assert.deepEqual(readdirSync(outside), []);
});

test("without --overwrite the clashing folder is renamed, so the link is not followed", async () => {
  const out = tempDir("walkie-hostile-out-");
  const outside = tempDir("walkie-hostile-outside-");
  symlinkSync(outside, join(out, "evil"));
  const session = await connect({ outDir: out });
  offer(session, [file("evil", 3)]);
  assert.equal(await answer(session), RecordType.Accept);
  const data = openData(session);
  data.end(
    Buffer.concat([
      encodeRecord(RecordType.File, encodeFileStart({ index: 0, offset: 0 })),
      encodeRecord(RecordType.Data, Buffer.from("abc")),
      encodeRecord(RecordType.End, sha(Buffer.from("abc"))),
    ]),
  );
  const transfer = await session.transfer;
  await transfer.result;
  assert.deepEqual(readdirSync(out).sort(), ["evil", "evil (1)"]);
  assert.deepEqual(readdirSync(outside), []);
});

/** Sends FILE, `data` in one DATA record (unless empty), then END with `hash`. */
function sendFile(stream: MuxStream, index: number, data: Buffer, hash: Buffer): void {
  stream.write(encodeRecord(RecordType.File, encodeFileStart({ index, offset: 0 })));
  for (let at = 0; at < data.length; at += 1024 * 1024) {
    const piece = data.subarray(at, at + 1024 * 1024);
    stream.write(Buffer.concat([recordHeader(RecordType.Data, piece.length), piece]));
  }
  stream.write(encodeRecord(RecordType.End, hash));
}

for (const size of [100, 3 * 1024 * 1024]) {
  test(`a size that lies (fewer bytes, ${size} announced) fails with ERR_FILE_SIZE and leaves nothing`, async () => {
    const session = await connect();
    offer(session, [file("f.bin", size)]);
    assert.equal(await answer(session), RecordType.Accept);
    const data = randomBytes(size - 10);
    sendFile(openData(session), 0, data, sha(data));
    await expectFailure(session, "ERR_FILE_SIZE", true);
    assert.deepEqual(
      readdirSync(session.out).filter((n) => !n.startsWith(".walkie-")),
      [],
    );
  });

  test(`more data than announced (${size}) fails with ERR_FILE_SIZE and leaves nothing`, async () => {
    const session = await connect();
    offer(session, [file("f.bin", size)]);
    assert.equal(await answer(session), RecordType.Accept);
    const data = randomBytes(size + 10);
    sendFile(openData(session), 0, data, sha(data));
    await expectFailure(session, "ERR_FILE_SIZE", true);
    assert.deepEqual(
      readdirSync(session.out).filter((n) => !n.startsWith(".walkie-")),
      [],
    );
  });

  test(`a hash that does not match (${size}) fails with ERR_HASH_MISMATCH and leaves nothing`, async () => {
    const session = await connect();
    offer(session, [file("f.bin", size)]);
    assert.equal(await answer(session), RecordType.Accept);
    const data = randomBytes(size);
    sendFile(openData(session), 0, data, sha(Buffer.from("something else")));
    await expectFailure(session, "ERR_HASH_MISMATCH", true);
    assert.deepEqual(
      readdirSync(session.out).filter((n) => !n.startsWith(".walkie-")),
      [],
    );
  });
}

test("a million entries are refused (ERR_MANIFEST_LIMIT) without building them", async () => {
  const session = await connect();
  // {v: 1, id, e: [1,000,000 x ["a", 0, 0, 420, 0]]}, 9 bytes per entry.
  const entry = Buffer.from([0x85, 0x61, 0x61, 0x00, 0x00, 0x19, 0x01, 0xa4, 0x00]);
  const head = Buffer.concat([
    Buffer.from([0xa3, 0x61, 0x76, 0x01, 0x62, 0x69, 0x64, 0x50]),
    session.id,
    Buffer.from([0x61, 0x65, 0x9a, 0x00, 0x0f, 0x42, 0x40]),
  ]);
  const body = Buffer.concat([head, Buffer.alloc(entry.length * 1_000_000)]);
  for (let at = head.length; at < body.length; at += entry.length) entry.copy(body, at);
  session.control.write(encodeRecord(RecordType.Offer, body));
  assert.equal(await answer(session), RecordType.Reject);
  await expectFailure(session, "ERR_MANIFEST_LIMIT", true);
});

test("an offer longer than the limit is refused from its length alone", async () => {
  const session = await connect();
  session.control.write(Buffer.from([RecordType.Offer, 0x7f, 0xff, 0xff, 0xff]));
  await expectFailure(session, "ERR_MANIFEST_LIMIT", true);
});

test("protocol abuse on a data stream fails with ERR_FILES_PROTOCOL", async () => {
  const cases: Array<(stream: MuxStream) => void> = [
    (s) => s.write(encodeRecord(RecordType.Data, Buffer.from("x"))),
    (s) => s.write(encodeRecord(RecordType.File, encodeFileStart({ index: 1, offset: 0 }))), // a folder
    (s) => s.write(encodeRecord(RecordType.File, encodeFileStart({ index: 5, offset: 0 }))), // none
    (s) => s.write(encodeRecord(RecordType.File, encodeFileStart({ index: 0, offset: 2 }))), // not held
    (s) => s.write(encodeRecord(RecordType.Offer, Buffer.alloc(3))),
  ];
  for (const abuse of cases) {
    const session = await connect();
    offer(session, [
      file("a", 4),
      { path: "d", kind: EntryKind.Dir, size: 0, mode: 0o755, mtimeMs: 0 },
    ]);
    assert.equal(await answer(session), RecordType.Accept);
    abuse(openData(session));
    await expectFailure(session, "ERR_FILES_PROTOCOL", true);
  }
});

test("a data stream for an unknown transfer is reset", async () => {
  const session = await connect();
  const stray = session.link.openStream(
    FILES_SERVICE,
    encodeStreamOpen({ role: StreamRole.Data, id: randomBytes(16) }),
  );
  const err = await new Promise<unknown>((resolve) => stray.once("error", resolve));
  assert.ok(hasCode(err, "ERR_STREAM_RESET"));
  assert.equal((err as { remoteCode?: string }).remoteCode, "ERR_UNKNOWN_TRANSFER");
});

test("a sender that stalls mid-file ends with ERR_TRANSFER_STALLED and a resumable .part", async () => {
  const session = await connect({ idleTimeoutMs: 300 });
  offer(session, [file("big.bin", 8 * 1024 * 1024)]);
  assert.equal(await answer(session), RecordType.Accept);
  const stream = openData(session);
  stream.write(encodeRecord(RecordType.File, encodeFileStart({ index: 0, offset: 0 })));
  const part = randomBytes(3 * 1024 * 1024);
  for (let at = 0; at < part.length; at += 1024 * 1024) {
    stream.write(
      Buffer.concat([
        recordHeader(RecordType.Data, 1024 * 1024),
        part.subarray(at, at + 1024 * 1024),
      ]),
    );
  }
  await expectFailure(session, "ERR_TRANSFER_STALLED", false);
  const names = readdirSync(session.out);
  assert.ok(names.includes("big.bin.part"), names.join());
  assert.ok(!names.includes("big.bin"));
  session.link.destroy();
});
