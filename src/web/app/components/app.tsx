/**
 * The shell: a sidebar (this device, peers, pages) beside the page on a
 * laptop; on a phone-sized window the sidebar is the home page and a tab bar
 * sits at the bottom. Opens the event stream once the token checks out.
 */
import { useEffect, useState } from "preact/hooks";
import { api, loadToken, openEvents, setToken } from "../api.js";
import { route } from "../router.js";
import { applyEvent, connection } from "../state.js";
import { narrow } from "../viewport.js";
import { Banner } from "./banner.js";
import { HomePage } from "./home-page.js";
import { LogPage } from "./log-page.js";
import { MonitorPage } from "./monitor-page.js";
import { Notice } from "./notice.js";
import { OfferBar } from "./offer-bar.js";
import { PairPage } from "./pair-page.js";
import { PeerPage } from "./peer-page.js";
import { Sidebar } from "./sidebar.js";
import { TabBar } from "./tab-bar.js";
import { TransfersPage } from "./transfers-page.js";

export function App() {
  const [token] = useState(() => loadToken());
  const [checked, setChecked] = useState<"pending" | "ok" | "bad">("pending");
  useEffect(() => {
    if (token === null) return;
    setToken(token);
    api.get("/api/status").then(
      () => setChecked("ok"),
      (err: { status?: number }) => setChecked(err.status === 401 ? "bad" : "ok"),
    );
  }, [token]);
  useEffect(() => {
    if (checked !== "ok") return;
    const stream = openEvents(applyEvent, (state) => {
      if (connection.value !== "stopped" || state === "open") connection.value = state;
      // A node that restarted has a new token: this page's no longer opens it.
      if (state === "refused") {
        api.get("/api/status").catch((err: { status?: number }) => {
          if (err.status === 401) setChecked("bad");
        });
      }
    });
    return () => stream.close();
  }, [checked]);
  if (token === null || checked === "bad") return <NoAccess />;
  const current = route.value;
  const phone = narrow.value;
  return (
    <div class={`shell page-${current.page} ${phone ? "phone" : "wide"}`}>
      {!phone && <Sidebar />}
      <main class="main" id="main">
        <Banner />
        <Notice />
        <OfferBar />
        <Page />
      </main>
      {phone && <TabBar />}
    </div>
  );
}

function Page() {
  const current = route.value;
  switch (current.page) {
    case "peer":
      return <PeerPage peerId={current.peerId!} />;
    case "pair":
      return <PairPage />;
    case "monitor":
      return <MonitorPage />;
    case "log":
      return <LogPage />;
    case "transfers":
      return <TransfersPage />;
    default:
      return <HomePage />;
  }
}

function NoAccess() {
  return (
    <div class="no-access">
      <div class="card narrow">
        <h1>Walkie</h1>
        <p>
          This page needs the address that <code>walkie up</code> printed when it started, with its
          access token (it ends in <code>#token=…</code>).
        </p>
        <p class="muted">
          Each start makes a new token, so after a restart open the new address. Run{" "}
          <code>walkie status</code> to see whether the node runs.
        </p>
      </div>
    </div>
  );
}
