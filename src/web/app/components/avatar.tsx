/** A round initial in a colour of its own, with an online dot. */
import { hue, initial } from "../format.js";

export function Avatar({
  name,
  online,
  size = 36,
}: {
  name: string;
  online?: boolean;
  size?: number;
}) {
  return (
    <span
      class="avatar"
      style={{ width: `${size}px`, height: `${size}px`, background: `hsl(${hue(name)} 55% 52%)` }}
      aria-hidden="true"
    >
      {initial(name)}
      {online !== undefined && <span class={`dot ${online ? "dot-on" : "dot-off"}`} />}
    </span>
  );
}
