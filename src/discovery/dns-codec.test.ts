import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { hasCode, WireError } from "../errors.js";
import { decodeMessage } from "./dns-decode.js";
import { encodeMessage } from "./dns-encode.js";
import { CLASS_IN, type ResourceRecord } from "./dns-message.js";
import { formatIPv6, parseIPv4, parseIPv6 } from "./ip.js";

/** avahi-daemon 0.8 answering a PTR query for _walkie._tcp.local (captured in a test namespace). */
const AVAHI_RESPONSE = Buffer.from(
  "000084000000000500000000075f77616c6b6965045f746370056c6f63616c00000c0001000011940011" +
    "0e426f62277320426f782076322e30c00cc02a0010800100001194001303763d310869643d626f623432" +
    "056e703d3132c02a0021800100000078000b00000000126702766dc019c06c001c800100000078001" +
    "0fe80000000000000042b60fffe54057fc06c000180010000007800040a4d0002",
  "hex",
);

const instance = ["Bob's Box v2.0", "_walkie", "_tcp", "local"];

function expectMalformed(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => hasCode(err, "ERR_MDNS_MALFORMED"));
}

describe("DNS codec", () => {
  test("decodes a real avahi response, with a dot inside the instance label", () => {
    const message = decodeMessage(AVAHI_RESPONSE);
    assert.equal(message.isResponse, true);
    assert.equal(message.answers.length, 5);
    const [ptr, txt, srv, aaaa, a] = message.answers;
    assert.deepEqual(ptr!.data, { kind: "ptr", target: instance });
    assert.equal(ptr!.ttl, 4500);
    assert.equal(ptr!.cacheFlush, false);
    assert.deepEqual(txt!.name, instance);
    assert.equal(txt!.cacheFlush, true);
    assert.deepEqual(
      txt!.data.kind === "txt" && txt!.data.strings.map((s) => Buffer.from(s).toString()),
      ["v=1", "id=bob42", "np=12"],
    );
    assert.deepEqual(srv!.data, {
      kind: "srv",
      priority: 0,
      weight: 0,
      port: 4711,
      target: ["vm", "local"],
    });
    assert.deepEqual(aaaa!.data, { kind: "aaaa", address: "fe80::42b:60ff:fe54:57f" });
    assert.deepEqual(a!.data, { kind: "a", address: "10.77.0.2" });
  });

  test("every strict prefix of a message is refused as malformed", () => {
    for (let end = 0; end < AVAHI_RESPONSE.length; end++) {
      expectMalformed(() => decodeMessage(AVAHI_RESPONSE.subarray(0, end)));
    }
  });

  test("round-trips what it encodes, compressing repeated names", () => {
    const records: ResourceRecord[] = [
      {
        name: ["_walkie", "_tcp", "local"],
        rrclass: CLASS_IN,
        cacheFlush: false,
        ttl: 4500,
        data: { kind: "ptr", target: instance },
      },
      {
        name: instance,
        rrclass: CLASS_IN,
        cacheFlush: true,
        ttl: 120,
        data: { kind: "srv", priority: 0, weight: 0, port: 9, target: ["ab12", "local"] },
      },
      {
        name: instance,
        rrclass: CLASS_IN,
        cacheFlush: true,
        ttl: 4500,
        data: { kind: "txt", strings: [Buffer.from("v=1")] },
      },
      {
        name: ["ab12", "local"],
        rrclass: CLASS_IN,
        cacheFlush: true,
        ttl: 120,
        data: { kind: "a", address: "192.0.2.7" },
      },
      {
        name: ["ab12", "local"],
        rrclass: CLASS_IN,
        cacheFlush: true,
        ttl: 120,
        data: { kind: "aaaa", address: "fd00::2" },
      },
    ];
    const bytes = encodeMessage({ isResponse: true, answers: records });
    const decoded = decodeMessage(bytes);
    assert.deepEqual(
      decoded.answers.map((r) => ({
        ...r,
        data:
          r.data.kind === "txt"
            ? { kind: "txt", strings: r.data.strings.map((s) => Buffer.from(s)) }
            : r.data,
      })),
      records,
    );
    const uncompressed = records.reduce((n, r) => n + r.name.join(".").length + 2, 0);
    assert.ok(bytes.length < 12 + uncompressed + 5 * 10 + 60, "names are compressed");
  });

  test("refuses hostile headers and names before allocating", () => {
    const header = (counts: number[], rest: number[] = []) =>
      Uint8Array.from([0, 0, 0x84, 0, ...counts.flatMap((c) => [c >> 8, c & 0xff]), ...rest]);
    expectMalformed(() => decodeMessage(header([0xffff, 0xffff, 0xffff, 0xffff])));
    expectMalformed(() => decodeMessage(header([1, 0, 0, 0], [0xc0, 12, 0, 1, 0, 1])));
    expectMalformed(() => decodeMessage(header([1, 0, 0, 0], [0x80, 0, 0, 1, 0, 1])));
    expectMalformed(() =>
      decodeMessage(header([1, 0, 0, 0], [64, ...new Array(70).fill(97), 0, 0, 1, 0, 1])),
    );
    expectMalformed(() => decodeMessage(new Uint8Array(9001)));
    // An A record of 3 bytes; a TXT string running past its record.
    expectMalformed(() =>
      decodeMessage(header([0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 1, 2, 3])),
    );
    expectMalformed(() =>
      decodeMessage(header([0, 1, 0, 0], [0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 9, 0x76])),
    );
  });

  test("arbitrary bytes either decode or fail with ERR_MDNS_MALFORMED", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err: unknown) {
          assert.ok(err instanceof WireError && err.code === "ERR_MDNS_MALFORMED", String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("a real message with random bytes changed never fails another way", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(AVAHI_RESPONSE.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const bytes = Uint8Array.from(AVAHI_RESPONSE);
          for (const [at, value] of edits) bytes[at] = value;
          try {
            decodeMessage(bytes);
          } catch (err: unknown) {
            assert.ok(err instanceof WireError && err.code === "ERR_MDNS_MALFORMED", String(err));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("refuses to encode labels over 63 bytes", () => {
    const name = ["x".repeat(64), "local"];
    assert.throws(
      () =>
        encodeMessage({
          isResponse: false,
          questions: [{ name, qtype: 1, qclass: 1, unicastResponse: false }],
        }),
      (err: unknown) => hasCode(err, "ERR_MDNS_NAME"),
    );
  });
});

describe("IP text", () => {
  test("formats IPv6 as RFC 5952 says", () => {
    const cases: Array<[string, string]> = [
      ["fe80:0000:0000:0000:042b:60ff:fe54:057f", "fe80::42b:60ff:fe54:57f"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["::", "::"],
      ["::1", "::1"],
      ["fd00::2%eth0", "fd00::2"],
      ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ];
    for (const [input, expected] of cases) {
      const bytes = parseIPv6(input);
      assert.ok(bytes, input);
      assert.equal(formatIPv6(bytes), expected);
    }
  });

  test("rejects what is not an address", () => {
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7"]) {
      assert.equal(parseIPv6(bad), null, bad);
    }
    for (const bad of ["1.2.3", "256.1.1.1", "01.2.3.4", "a.b.c.d"]) {
      assert.equal(parseIPv4(bad), null, bad);
    }
  });
});
