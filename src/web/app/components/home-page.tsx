/**
 * Home: on a phone, the device and peer list (the sidebar); on a laptop, a
 * short welcome that says what to do next.
 */
import { href } from "../router.js";
import { peers, status } from "../state.js";
import { narrow } from "../viewport.js";
import { Sidebar } from "./sidebar.js";

export function HomePage() {
  const paired = peers.value.paired;
  const online = paired.filter((peer) => peer.online).length;
  if (narrow.value) {
    return (
      <div class="home-mobile">
        <Sidebar />
      </div>
    );
  }
  return (
    <section class="home-wide page">
      <h1>Hello{status.value ? `, ${status.value.node.name}` : ""}</h1>
      {paired.length === 0 ? (
        <div class="card hero">
          <h2>Pair your first device</h2>
          <p>
            Walkie links two devices directly, with no server and no cloud. Pair once with a short
            code; after that, they find each other on this network by themselves.
          </p>
          <a class="button primary" href={href("pair")}>
            Pair a device
          </a>
        </div>
      ) : (
        <div class="card hero">
          <h2>
            {online} of {paired.length} paired {paired.length === 1 ? "device is" : "devices are"}{" "}
            online
          </h2>
          <p>
            Pick a device on the left to chat or send files. You can also drop files right onto it.
          </p>
        </div>
      )}
    </section>
  );
}
