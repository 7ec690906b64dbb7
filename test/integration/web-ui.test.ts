// The web UI end to end: two running nodes, each with its own page in
// headless Chromium (Debian's, through playwright-core). The pages pair the
// nodes by code, then show each other online with live stats. Screenshots of
// the main screens go to a temp folder, or with WALKIE_SCREENSHOTS=1 (npm run
// screenshots) to docs/screenshots/ for the README.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { browserMissing, launchBrowser, openPage } from "../helpers/browser.js";
import { eventually, onlineWith, pair, startDaemon } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

const SHOTS = process.env.WALKIE_SCREENSHOTS
  ? fileURLToPath(new URL("../../docs/screenshots/", import.meta.url))
  : tempDir("walkie-screens-");
const skip = browserMissing();
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Drops a file with `data` on the element with `testId`, as a person dragging it from a file manager. */
async function dropFile(page: Page, testId: string, name: string, data: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    `(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(data.toString("base64"))}), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], ${JSON.stringify(name)}));
      return transfer;
    })()`,
  );
  const target = page.getByTestId(testId);
  await target.dispatchEvent("dragenter", { dataTransfer });
  await target.dispatchEvent("dragover", { dataTransfer });
  await target.dispatchEvent("drop", { dataTransfer });
}

test("two pages pair their nodes by code, chat both ways, show live stats, and send a dropped file and a picked folder that arrive whole", {
  skip,
}, async () => {
  const a = await startDaemon("laptop");
  const b = await startDaemon("desktop");
  const browser = await launchBrowser();
  const pageA = await openPage(browser, a.web.uiUrl);
  const pageB = await openPage(browser, b.web.uiUrl);
  await pageA.page.getByTestId("device-name").getByText("laptop").waitFor();
  // The token left the address bar once read.
  assert.equal(new URL(pageA.page.url()).hash, "");

  // A shows a code; B types it (and A's address: mDNS is off in tests).
  await pageA.page.getByTestId("pair-button").click();
  await pageA.page.getByTestId("show-code").click();
  const code = (await pageA.page.getByTestId("pair-code").textContent())?.trim() ?? "";
  assert.match(code, /^\d+-[a-z]+-[a-z]+$/);
  await pageA.page.screenshot({ path: join(SHOTS, "pair-code.png") });
  const state = a.service.pairing.state;
  assert.equal(state.state, "waiting");
  const port = state.state === "waiting" ? state.addresses.at(-1)!.split(":").at(-1) : "";
  await pageB.page.getByTestId("pair-button").click();
  await pageB.page.getByTestId("code-input").fill(code);
  await pageB.page.getByText("Add an address").click();
  await pageB.page.getByTestId("from-input").fill(`127.0.0.1:${port}`);
  await pageB.page.getByTestId("join-button").click();

  // Both pages say so, with the same check digits.
  const resultA = pageA.page.getByTestId("pair-result");
  const resultB = pageB.page.getByTestId("pair-result");
  await resultA.getByText("desktop", { exact: true }).waitFor();
  await resultB.getByText("laptop", { exact: true }).waitFor();
  const sasA = await resultA.locator(".sas").textContent();
  assert.equal(await resultB.locator(".sas").textContent(), sasA);
  assert.match(sasA ?? "", /^\d{3} \d{3}$/);

  // Each shows the other online, with an RTT, in the peer list.
  const peerOnA = pageA.page.getByTestId("peer-desktop");
  await peerOnA.getByText(/Online · \d/).waitFor({ timeout: 20_000 });
  await pageB.page
    .getByTestId("peer-laptop")
    .getByText(/Online · \d/)
    .waitFor({ timeout: 20_000 });

  // The monitor counts the link and draws live charts.
  await pageA.page.goto(`${a.web.origin}/#/monitor`);
  await pageA.page.getByTestId("tile-links").getByText("1").waitFor();
  const line = pageA.page.getByTestId("total-throughput-chart").locator("path.line").first();
  await eventually(
    "a drawn throughput line",
    async () => ((await line.getAttribute("d")) ?? "").length > 20,
  );

  // The peer's own page: where it is, and its link's charts.
  await peerOnA.click();
  await pageA.page
    .getByTestId("peer-where")
    .getByText(/Online at .* RTT/)
    .waitFor();

  // Chat both ways: A writes; B sees it arrive (unread), opens it and answers; A sees the answer
  // and the receipt of its own message.
  const inputA = pageA.page.getByTestId("chat-input");
  await inputA.fill("Hi desktop! Are the photos ready?");
  await inputA.press("Enter");
  const unreadOnB = pageB.page.getByTestId("peer-laptop").locator(".badge");
  await unreadOnB.getByText("1").waitFor();
  await pageB.page.getByTestId("peer-laptop").click();
  await pageB.page.getByTestId("message-in").getByText("Are the photos ready?").waitFor();
  await pageB.page.getByTestId("chat-input").fill("Yes, sending them now.");
  await pageB.page.getByTestId("chat-send").click();
  await pageA.page.getByTestId("message-in").getByText("Yes, sending them now.").waitFor();
  await pageA.page.getByTestId("message-out").getByTestId("receipt").getByText("✓✓").waitFor();
  assert.equal(await unreadOnB.count(), 0, "read once opened");
  await pageA.page.screenshot({ path: join(SHOTS, "chat.png") });
  await pageA.page.getByTestId("tab-link").click();
  await pageA.page.getByTestId("peer-rtt-chart").waitFor();

  // The same UI in a phone-sized window.
  const phone = await openPage(browser, b.web.uiUrl, { width: 390, height: 844 });
  await phone.page.getByTestId("peer-laptop").waitFor();
  await phone.page.screenshot({ path: join(SHOTS, "phone-peers.png") });
  await phone.page.getByTestId("peer-laptop").click();
  await phone.page.getByTestId("message-in").first().waitFor();
  await phone.page.screenshot({ path: join(SHOTS, "phone-chat.png") });

  // A drops a file on desktop in its peer list; B's page asks, B accepts; it arrives whole.
  const photo = randomBytes(2 * 1024 * 1024 + 123);
  await dropFile(pageA.page, "drop-desktop", "holiday.jpg", photo);
  const offer = pageB.page.getByTestId("offer");
  await offer.getByText("holiday.jpg").waitFor();
  await pageB.page.screenshot({ path: join(SHOTS, "offer.png") });
  await offer.getByTestId("offer-accept").click();
  await eventually("holiday.jpg in b's inbox", () =>
    b.service.files.list().find((t) => t.state === "done" && t.names[0] === "holiday.jpg"),
  );
  assert.equal(sha(readFileSync(join(b.inbox, "holiday.jpg"))), sha(photo));

  // A folder, picked in the desktop's Files tab (b now takes a's files without asking).
  await b.call("POST", `/api/peers/${a.node.id}/settings`, { autoAccept: true });
  const folder = join(tempDir("walkie-folder-"), "trip");
  mkdirSync(join(folder, "day1"), { recursive: true });
  writeFileSync(join(folder, "notes.txt"), "sunny\n");
  writeFileSync(join(folder, "day1", "beach.bin"), randomBytes(300_000));
  await peerOnA.click();
  await pageA.page.getByTestId("tab-files").click();
  await pageA.page.getByTestId("pick-folder").setInputFiles(folder);
  await eventually("the folder sent", () =>
    a.service.files.list().find((t) => t.state === "done" && t.names[0] === "trip"),
  );
  await pageA.page
    .locator("[data-testid=transfer][data-state=done]", { hasText: "trip" })
    .waitFor();
  assert.equal(readFileSync(join(b.inbox, "trip", "notes.txt"), "utf8"), "sunny\n");
  assert.equal(
    sha(readFileSync(join(b.inbox, "trip", "day1", "beach.bin"))),
    sha(readFileSync(join(folder, "day1", "beach.bin"))),
  );
  await pageA.page.screenshot({ path: join(SHOTS, "files.png") });
  await pageB.page.goto(`${b.web.origin}/#/transfers`);
  await pageB.page.getByTestId("transfer").first().waitFor();
  await pageB.page.screenshot({ path: join(SHOTS, "transfers.png") });

  // Live figures after the traffic: the monitor, and the peer's link.
  await pageA.page.goto(`${a.web.origin}/#/monitor`);
  await pageA.page.screenshot({ path: join(SHOTS, "monitor.png") });
  await peerOnA.click();
  await pageA.page.getByTestId("tab-link").click();
  await pageA.page.getByTestId("peer-rtt-chart").waitFor();
  await pageA.page.screenshot({ path: join(SHOTS, "peer-link.png") });

  await pageA.page.goto(`${a.web.origin}/#/log`);
  await pageA.page
    .getByTestId("log")
    .getByText(/paired with desktop/)
    .waitFor();
  await pageA.page.screenshot({ path: join(SHOTS, "log.png") });

  for (const { errors } of [pageA, pageB, phone]) assert.deepEqual(errors, []);
});

test("a peer that goes away mid-chat: the page shows it offline, the message waits, and goes once it is back", {
  skip,
}, async () => {
  const a = await startDaemon("laptop");
  let b = await startDaemon("desktop");
  await pair(a, b);
  await eventually("linked", onlineWith(a, b.node.id));
  const browser = await launchBrowser();
  const pageA = await openPage(browser, a.web.uiUrl);
  await pageA.page.getByTestId("peer-desktop").click();
  await pageA.page
    .getByTestId("peer-where")
    .getByText(/^Online/)
    .waitFor();

  const { home, service } = b;
  const port = service.port;
  await b.close();
  await pageA.page
    .getByTestId("peer-where")
    .getByText(/^Offline/)
    .waitFor();
  await pageA.page.getByTestId("chat-input").fill("Ping me when you are back");
  await pageA.page.getByTestId("chat-send").click();
  const receipt = pageA.page.getByTestId("message-out").getByTestId("receipt");
  await receipt.getByText("✓", { exact: true }).waitFor();
  assert.match((await receipt.getAttribute("title")) ?? "", /Waiting/);
  await pageA.page.screenshot({ path: join(SHOTS, "offline.png") });

  b = await startDaemon("desktop", { home, port });
  await pageA.page
    .getByTestId("peer-where")
    .getByText(/^Online/)
    .waitFor({ timeout: 20_000 });
  await receipt.getByText("✓✓").waitFor({ timeout: 20_000 });
  const received = (await b.call("GET", "/api/chat/laptop")).json.messages;
  assert.equal(received[0]?.text, "Ping me when you are back");
  assert.deepEqual(pageA.errors, []);
});
