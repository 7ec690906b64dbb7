import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay } from "./backoff.js";

test("retry delays double from the minimum up to the cap, with jitter in [0.5, 1]", () => {
  const top = () => 1 - Number.EPSILON;
  assert.equal(backoffDelay(1, {}, top), 1000);
  assert.equal(backoffDelay(2, {}, top), 2000);
  assert.equal(backoffDelay(4, {}, top), 8000);
  assert.equal(backoffDelay(30, {}, top), 60000);
  assert.equal(
    backoffDelay(1, {}, () => 0),
    500,
  );
  assert.equal(backoffDelay(3, { minDelayMs: 10, maxDelayMs: 25 }, top), 25);
});
