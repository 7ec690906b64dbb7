import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findClash, isConflict } from "./conflict.js";
import { CLASS_IN, type DnsMessage, RecordType, type ResourceRecord } from "./dns-message.js";
import type { MdnsInterface } from "./interfaces.js";
import {
  answerQuery,
  hostFqdn,
  instanceFqdn,
  type ServiceIdentity,
  serviceRecords,
} from "./records.js";
import { encodeTxt } from "./txt.js";
import { SERVICE_LABELS } from "./types.js";

const iface: MdnsInterface = {
  name: "veth0",
  ipv4: "10.77.0.1",
  netmask: "255.255.255.0",
  addresses: ["10.77.0.1", "fe80::1"],
};

function identity(shortId: string, port = 4000): ServiceIdentity {
  return {
    instance: "Device",
    host: shortId,
    port,
    txt: encodeTxt({ version: 1, shortId, nameplate: null }),
  };
}

const query = (questions: DnsMessage["questions"], answers: ResourceRecord[] = []): DnsMessage => ({
  id: 0,
  isResponse: false,
  opcode: 0,
  rcode: 0,
  questions,
  answers,
  authorities: [],
  additionals: [],
});

describe("responder records", () => {
  const records = serviceRecords(identity("ab12"), iface);
  const ptrQuestion = {
    name: SERVICE_LABELS,
    qtype: RecordType.PTR,
    qclass: CLASS_IN,
    unicastResponse: false,
  };

  test("a PTR query gets the PTR and SRV, TXT, A, AAAA as additionals", () => {
    const answer = answerQuery(records, query([ptrQuestion]));
    assert.ok(answer);
    assert.deepEqual(
      answer.answers.map((r) => r.data.kind),
      ["ptr"],
    );
    assert.deepEqual(answer.additionals.map((r) => r.data.kind).sort(), [
      "a",
      "aaaa",
      "srv",
      "txt",
    ]);
  });

  test("known answers with half their TTL left are not repeated", () => {
    const ptr = records[0]!;
    assert.equal(answerQuery(records, query([ptrQuestion], [{ ...ptr, ttl: 4000 }])), null);
    assert.ok(answerQuery(records, query([ptrQuestion], [{ ...ptr, ttl: 100 }])));
  });

  test("questions for other names get nothing", () => {
    const other = {
      name: ["_http", "_tcp", "local"],
      qtype: RecordType.PTR,
      qclass: CLASS_IN,
      unicastResponse: false,
    };
    assert.equal(answerQuery(records, query([other])), null);
  });
});

describe("name conflicts", () => {
  const ours = serviceRecords(identity("ab12"), iface);
  const names = [instanceFqdn("Device"), hostFqdn("ab12")];

  test("only someone else's data under our names is a conflict", () => {
    for (const r of ours) assert.equal(isConflict(r, ours, names), false, "our own echo");
    const rival = serviceRecords(identity("cd34"), iface).find((r) => r.data.kind === "srv")!;
    assert.equal(isConflict(rival, ours, names), true);
    assert.equal(isConflict({ ...rival, ttl: 0 }, ours, names), false, "a goodbye");
    const otherTxt = serviceRecords(identity("cd34"), iface).find((r) => r.data.kind === "txt")!;
    assert.equal(isConflict(otherTxt, ours, names), false, "TXT changes are ours to make");
  });

  test("exactly one of two rivals wins the tie-break", () => {
    const a = serviceRecords(identity("ab12", 4000), iface);
    const b = serviceRecords({ ...identity("ab12", 5000) }, { ...iface, addresses: ["10.77.0.2"] });
    const seenByA = findClash(b, a, names[0]!, names[1]!);
    const seenByB = findClash(a, b, names[0]!, names[1]!);
    assert.ok(seenByA && seenByB);
    assert.equal(seenByA.instance && seenByA.host, true);
    assert.notEqual(seenByA.weWin, seenByB.weWin);
    assert.equal(findClash(a, a, names[0]!, names[1]!), null);
  });
});
