/** This device: its name and ID (groups with check characters, to compare by eye). */
import { useState } from "preact/hooks";
import { status } from "../state.js";
import { Avatar } from "./avatar.js";
import { CopyIcon } from "./icons.js";

export function DeviceCard() {
  const node = status.value!.node;
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(node.id).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <section class="device-card" aria-label="This device">
      <Avatar name={node.name} size={40} />
      <div class="device-text">
        <div class="device-name" data-testid="device-name">
          {node.name}
        </div>
        <div class="device-id" title="Device ID" data-testid="device-id">
          {node.id.split("-").map((group) => (
            <span key={group}>{group}</span>
          ))}
        </div>
      </div>
      <button
        type="button"
        class="icon-button"
        onClick={copy}
        title="Copy the device ID"
        aria-label="Copy the device ID"
      >
        {copied ? "✓" : <CopyIcon />}
      </button>
    </section>
  );
}
