/**
 * Pairing: show a code here and type it on the other device, or type the
 * code the other device shows. Both sides then show the same six check
 * digits; the devices are paired and link by themselves from then on.
 */
import { useState } from "preact/hooks";
import { type ApiError, api } from "../api.js";
import { go } from "../router.js";
import { pairing } from "../state.js";
import type { PairingState } from "../types.js";

export function PairPage() {
  return (
    <section class="page">
      <h1>Pair a device</h1>
      <p class="muted">
        Pairing happens once per device. One side shows a code, the other types it; after that they
        link with no code.
      </p>
      <Outcome state={pairing.value} />
      <div class="pair-grid">
        <ShowCode />
        <EnterCode />
      </div>
    </section>
  );
}

function ShowCode() {
  const state = pairing.value;
  const [error, setError] = useState<string | null>(null);
  const start = () => {
    setError(null);
    api.post<PairingState>("/api/pair/wait").catch((err: ApiError) => setError(err.message));
  };
  const cancel = () => void api.post("/api/pair/cancel").catch(() => {});
  return (
    <div class="card">
      <h2>Show a code</h2>
      {state.state === "waiting" ? (
        <>
          <p>On the other device, choose “Enter a code” and type:</p>
          <div class="code" data-testid="pair-code">
            {state.code}
          </div>
          <p class="muted small">
            Waiting… The code works once; a wrong try ends it. If the devices cannot find each
            other, the other side can add this address: <code>{state.addresses[0]}</code>
          </p>
          <button type="button" class="button" onClick={cancel}>
            Cancel
          </button>
        </>
      ) : (
        <>
          <p>Get a one-time code to type on the other device.</p>
          <button type="button" class="button primary" onClick={start} data-testid="show-code">
            Show a code
          </button>
        </>
      )}
      {error && <p class="error">{error}</p>}
    </div>
  );
}

function EnterCode() {
  const [code, setCode] = useState("");
  const [from, setFrom] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api
      .post<{ peer: { id: string } }>("/api/pair/join", {
        code: code.trim(),
        from: from.trim() || undefined,
      })
      .then(() => setCode(""))
      .catch((err: ApiError) => setError(err.message))
      .finally(() => setBusy(false));
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>Enter a code</h2>
      <label class="field">
        <span>Code shown on the other device</span>
        <input
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
          placeholder="7-amber-rocket"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
          data-testid="code-input"
        />
      </label>
      {advanced ? (
        <label class="field">
          <span>Its address (only if it is not found on the network)</span>
          <input
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
            placeholder="192.168.1.20:41234"
            data-testid="from-input"
          />
        </label>
      ) : (
        <button type="button" class="link-button small" onClick={() => setAdvanced(true)}>
          Add an address
        </button>
      )}
      <button
        type="submit"
        class="button primary"
        disabled={busy || code.trim() === ""}
        data-testid="join-button"
      >
        {busy ? "Pairing…" : "Pair"}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function Outcome({ state }: { state: PairingState }) {
  if (state.state === "paired") {
    return (
      <div class="card outcome ok" data-testid="pair-result">
        <p>
          Paired with <strong>{state.peer.name}</strong>.
        </p>
        <p class="small">
          Check digits{" "}
          <strong class="sas">
            {state.sas.slice(0, 3)} {state.sas.slice(3)}
          </strong>
          : the other device shows the same digits.
        </p>
        <button type="button" class="button" onClick={() => go("peer", state.peer.id)}>
          Open {state.peer.name}
        </button>
      </div>
    );
  }
  if (state.state === "failed") {
    return (
      <div class="card outcome bad" role="alert" data-testid="pair-failed">
        Pairing failed: {state.message}
      </div>
    );
  }
  return null;
}
