/**
 * A small live line chart in SVG: one or more series over the same times,
 * gaps where a value is missing (no link then), the y scale from zero to a
 * round maximum, the newest value in the legend. Drawn in a fixed viewBox
 * and stretched to the width of its box.
 */

export interface Series {
  label: string;
  values: (number | null)[];
  /** A CSS colour. */
  color: string;
}

export interface ChartProps {
  title: string;
  t: number[];
  series: Series[];
  format: (value: number) => string;
  /** The longest span shown, in ms; a shorter history shows at least a minute. @default 5 minutes */
  spanMs?: number;
  testId?: string;
}

const W = 600;
const H = 160;
const PAD_TOP = 8;
const PAD_BOTTOM = 18;

export function Chart({ title, t, series, format, spanMs: longest = 300_000, testId }: ChartProps) {
  const now = t.at(-1) ?? Date.now();
  const kept = now - (t[0] ?? now);
  const spanMs = Math.min(longest, Math.max(60_000, Math.ceil(kept / 60_000) * 60_000));
  const start = now - spanMs;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const x = (time: number) => ((time - start) / spanMs) * W;
  const y = (value: number) => PAD_TOP + (1 - value / max) * (H - PAD_TOP - PAD_BOTTOM);
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="legend">
          {series.map((s) => {
            const last = [...s.values].reverse().find((v) => v !== null);
            return (
              <span key={s.label} class="legend-item">
                <span class="swatch" style={{ background: s.color }} />
                {s.label}{" "}
                <strong>{last === undefined || last === null ? "-" : format(last)}</strong>
              </span>
            );
          })}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={title}>
        {[0.25, 0.5, 0.75, 1].map((f) => (
          <line key={f} class="grid" x1="0" x2={W} y1={y(max * f)} y2={y(max * f)} />
        ))}
        <line class="axis" x1="0" x2={W} y1={y(0)} y2={y(0)} />
        {series.map((s) => (
          <path key={s.label} d={path(t, s.values, x, y, start)} stroke={s.color} class="line" />
        ))}
      </svg>
      <div class="chart-scale">
        <span>{`${Math.round(spanMs / 60_000)} min ago`}</span>
        <span>max {format(max)}</span>
        <span>now</span>
      </div>
    </figure>
  );
}

/** Polyline segments, broken at nulls. */
function path(
  t: number[],
  values: (number | null)[],
  x: (time: number) => number,
  y: (value: number) => number,
  start: number,
): string {
  let d = "";
  let pen = false;
  values.forEach((value, i) => {
    const time = t[i];
    if (value === null || time === undefined || time < start) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(time).toFixed(1)},${y(value).toFixed(1)}`;
    pen = true;
  });
  return d;
}

/** 1, 2 or 5 times a power of ten, at least `value` (and above zero). */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
