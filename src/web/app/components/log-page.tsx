/** The node's recent log, newest first, with a filter for warnings. */
import { useState } from "preact/hooks";
import { clockSeconds } from "../format.js";
import { logEntries, peers } from "../state.js";

export function LogPage() {
  const [problemsOnly, setProblemsOnly] = useState(false);
  const names = new Map(peers.value.paired.map((peer) => [peer.id, peer.name]));
  const entries = [...logEntries.value]
    .reverse()
    .filter((entry) => !problemsOnly || entry.level !== "info");
  return (
    <section class="page">
      <header class="page-header">
        <h1>Log</h1>
        <label class="toggle">
          <input
            type="checkbox"
            checked={problemsOnly}
            onChange={(e) => setProblemsOnly(e.currentTarget.checked)}
          />
          Warnings only
        </label>
      </header>
      {entries.length === 0 && <p class="muted">Nothing yet.</p>}
      <ol class="log" data-testid="log">
        {entries.map((entry) => (
          <li key={entry.seq} class={`log-${entry.level}`}>
            <time>{clockSeconds(entry.t)}</time>
            <span class="log-level">{entry.level}</span>
            <span class="log-message">
              {entry.message}
              {entry.code && <code class="log-code">{entry.code}</code>}
              {entry.peerId && names.has(entry.peerId) && (
                <span class="log-peer">{names.get(entry.peerId)}</span>
              )}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
