import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "./prometheus.js";

test("counters, gauges and histograms render in the text format", () => {
  const registry = new Registry();
  const counter = registry.counter("walkie_things_total", "Things.");
  const gauge = registry.gauge("walkie_level", "A level.");
  const histogram = registry.histogram("walkie_seconds", "Durations.", [0.1, 1]);
  counter.inc({ kind: "a" });
  counter.inc({ kind: "a" }, 2);
  counter.inc({ kind: 'say "hi"\n' });
  gauge.set(5);
  histogram.observe(0.05);
  histogram.observe(0.5, { result: "ok" });
  histogram.observe(3, { result: "ok" });
  const text = registry.render();
  assert.match(text, /^# HELP walkie_things_total Things\.\n# TYPE walkie_things_total counter\n/m);
  assert.match(text, /^walkie_things_total\{kind="a"\} 3$/m);
  assert.match(text, /^walkie_things_total\{kind="say \\"hi\\"\\n"\} 1$/m);
  assert.match(text, /^walkie_level 5$/m);
  assert.match(text, /^walkie_seconds_bucket\{le="0\.1"\} 1$/m);
  assert.match(text, /^walkie_seconds_bucket\{le="\+Inf"\} 1$/m);
  assert.match(text, /^walkie_seconds_bucket\{result="ok",le="1"\} 1$/m);
  assert.match(text, /^walkie_seconds_bucket\{result="ok",le="\+Inf"\} 2$/m);
  assert.match(text, /^walkie_seconds_sum\{result="ok"\} 3\.5$/m);
  assert.match(text, /^walkie_seconds_count\{result="ok"\} 2$/m);
  assert.ok(text.endsWith("\n"));
});

test("collectors run before each rendering", () => {
  const registry = new Registry();
  const gauge = registry.gauge("walkie_now", "Now.");
  let n = 0;
  registry.onCollect(() => gauge.set(++n));
  assert.match(registry.render(), /^walkie_now 1$/m);
  assert.match(registry.render(), /^walkie_now 2$/m);
});
