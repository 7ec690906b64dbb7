/**
 * Headless Chromium for the web UI tests: Debian's /usr/bin/chromium driven
 * by playwright-core (never `playwright install`), with the flags that keep
 * it off the network. Each page records console errors and page errors, so
 * a test can assert there were none.
 */
import { existsSync } from "node:fs";
import { after } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.WALKIE_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Why browser tests cannot run here, or undefined when they can. With
 * WALKIE_BROWSER_TESTS=required (CI) they never skip: a missing browser fails.
 */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.WALKIE_BROWSER_TESTS === "required") return undefined;
  return `${CHROMIUM} is missing (apt-get install chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  after(() => browser.close());
  return browser;
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
}

/** A new page (its own context) at `url`, recording errors. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(url);
  return { page, errors };
}
