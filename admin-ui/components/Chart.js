// The one wrapper around frappe-charts: a line chart that redraws when its data changes.
import { useEffect, useRef } from 'preact/hooks';
import { html } from 'htm/preact';
import { Chart as FrappeChart } from 'frappe-charts';

export function LineChart({ title, labels, datasets, height = 220 }) {
  const el = useRef(null);
  useEffect(() => {
    // frappe draws a one-point line with NaN coordinates (console errors, an empty box): wait for two.
    if (!el.current || labels.length < 2) return undefined;
    const chart = new FrappeChart(el.current, {
      // No SMIL animation: a redraw on window resize during it fails in frappe (removeChild of a swapped node).
      title, type: 'line', height, animate: 0, data: { labels, datasets },
      lineOptions: { hideDots: 1, regionFill: 1 }, axisOptions: { xIsSeries: true, xAxisMode: 'tick' },
    });
    return () => chart.destroy && chart.destroy();
  }, [title, labels, datasets, height]);
  if (labels.length === 0) return html`<p class="muted">${title}: no samples yet.</p>`;
  if (labels.length === 1) return html`<p class="muted">${title}: one sample so far; the chart appears with the next.</p>`;
  return html`<div class="chart" ref=${el}></div>`;
}
