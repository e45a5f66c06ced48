// A fan's temperature → duty curve: drawn as a chart and edited as a list of points.
import { useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { LineChart } from './Chart.js';
import { notify } from './Notice.js';

const DEFAULT_POINTS = [{ tempC: 30, duty: 30 }, { tempC: 50, duty: 50 }, { tempC: 70, duty: 100 }];

/** The curve a fan starts with in the editor: its stored one, or a safe default on the first sensor. */
function initialCurve(fan, sensors) {
  const c = fan.curve;
  if (c) return { sensorId: c.sensorId, points: c.points.map((p) => ({ ...p })), minDuty: c.minDuty, maxDuty: c.maxDuty, hysteresisC: c.hysteresisC };
  return { sensorId: sensors[0] ? sensors[0].id : '', points: DEFAULT_POINTS.map((p) => ({ ...p })), minDuty: 20, maxDuty: 100, hysteresisC: 3 };
}

/** What is wrong with a curve before it is sent (the server checks the same and more). */
export function curveProblems(c) {
  const out = [];
  const num = (v) => typeof v === 'number' && Number.isFinite(v);
  if (!c.sensorId) out.push('Choose the temperature sensor the fan follows.');
  if (c.points.length < 2 || c.points.length > 16) out.push('A curve needs 2 to 16 points.');
  c.points.forEach((p, i) => {
    if (!num(p.tempC) || p.tempC < -20 || p.tempC > 150) out.push(`Point ${i + 1}: the temperature must be between -20 and 150 °C.`);
    if (!num(p.duty) || p.duty < 0 || p.duty > 100) out.push(`Point ${i + 1}: the duty must be between 0 and 100 %.`);
    if (i > 0 && num(p.tempC) && num(c.points[i - 1].tempC) && p.tempC <= c.points[i - 1].tempC) out.push(`Point ${i + 1}: temperatures must rise from point to point.`);
  });
  if (!Number.isInteger(c.minDuty) || c.minDuty < 0 || c.minDuty > 100) out.push('The minimum duty must be a whole number from 0 to 100.');
  if (!Number.isInteger(c.maxDuty) || c.maxDuty < 0 || c.maxDuty > 100) out.push('The maximum duty must be a whole number from 0 to 100.');
  if (c.minDuty > c.maxDuty) out.push('The minimum duty is above the maximum duty.');
  if (!num(c.hysteresisC) || c.hysteresisC < 0 || c.hysteresisC > 20) out.push('The hysteresis must be between 0 and 20 °C.');
  return out;
}

/** The stored curve's chart (what the control loop follows now). */
export function CurveChart({ fan }) {
  const c = fan.curve;
  const labels = useMemo(() => (c ? c.points.map((p) => `${p.tempC} °C`) : []), [c && JSON.stringify(c.points)]);
  const datasets = useMemo(() => (c ? [{ name: 'Duty %', values: c.points.map((p) => p.duty) }] : []), [c && JSON.stringify(c.points)]);
  if (!c) return html`<p class="muted">No curve: the fan runs under the chip's automatic control.</p>`;
  return html`<${LineChart} title=${`${fan.label}: duty by temperature`} labels=${labels} datasets=${datasets} height=${180} />`;
}

/** The editor; `onSaved` reloads the fans after a change. */
export function CurveEditor({ fan, sensors, onSaved }) {
  const [curve, setCurve] = useState(() => initialCurve(fan, sensors));
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState([]);
  const id = fan.id.replace(/[^A-Za-z0-9_-]/g, '-');
  const set = (patch) => setCurve({ ...curve, ...patch });
  const setPoint = (i, field, value) => set({ points: curve.points.map((p, j) => (j === i ? { ...p, [field]: value } : p)) });
  const numberOf = (e) => (e.target.value === '' ? NaN : Number(e.target.value));

  async function save(e) {
    e.preventDefault();
    const problems = curveProblems(curve);
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    try {
      await api('PUT', `/api/fans/${encodeURIComponent(fan.id)}/curve`, curve);
      notify(`${fan.label} follows the new curve`);
      onSaved();
    } catch (err) {
      setErrors([err.message]);
    } finally {
      setBusy(false);
    }
  }
  async function release() {
    setBusy(true);
    try {
      await api('DELETE', `/api/fans/${encodeURIComponent(fan.id)}/curve`);
      notify(`${fan.label} is back under the chip's automatic control`);
      onSaved();
    } catch (err) {
      setErrors([err.message]);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="curve" onSubmit=${save} aria-label=${`Curve of ${fan.label}`} novalidate>
    <label>Follows sensor <select name="sensorId" value=${curve.sensorId} onChange=${(e) => set({ sensorId: e.target.value })}>
      ${sensors.map((s) => html`<option value=${s.id}>${s.label} (${s.id})</option>`)}</select></label>
    <fieldset><legend>Points (temperature → duty)</legend>
      <ol class="points plain">${curve.points.map((p, i) => html`<li key=${i}>
        <label>Point ${i + 1} °C <input type="number" step="0.5" name=${`temp${i}`} value=${Number.isNaN(p.tempC) ? '' : p.tempC} onInput=${(e) => setPoint(i, 'tempC', numberOf(e))} /></label>
        <label>Duty % <input type="number" step="1" name=${`duty${i}`} value=${Number.isNaN(p.duty) ? '' : p.duty} onInput=${(e) => setPoint(i, 'duty', numberOf(e))} /></label>
        <button type="button" class="secondary" aria-label=${`Remove point ${i + 1}`} disabled=${curve.points.length <= 2}
          onClick=${() => set({ points: curve.points.filter((_, j) => j !== i) })}>Remove</button>
      </li>`)}</ol>
      <button type="button" class="secondary" disabled=${curve.points.length >= 16} onClick=${() => {
        const last = curve.points[curve.points.length - 1];
        set({ points: [...curve.points, { tempC: (Number.isFinite(last.tempC) ? last.tempC : 60) + 10, duty: 100 }] });
      }}>Add point</button>
    </fieldset>
    <div class="row">
      <label for=${`min-${id}`}>Minimum duty % <input id=${`min-${id}`} type="number" name="minDuty" value=${Number.isNaN(curve.minDuty) ? '' : curve.minDuty} onInput=${(e) => set({ minDuty: numberOf(e) })} /></label>
      <label for=${`max-${id}`}>Maximum duty % <input id=${`max-${id}`} type="number" name="maxDuty" value=${Number.isNaN(curve.maxDuty) ? '' : curve.maxDuty} onInput=${(e) => set({ maxDuty: numberOf(e) })} /></label>
      <label for=${`hys-${id}`}>Hysteresis °C <input id=${`hys-${id}`} type="number" step="0.5" name="hysteresisC" value=${Number.isNaN(curve.hysteresisC) ? '' : curve.hysteresisC} onInput=${(e) => set({ hysteresisC: numberOf(e) })} /></label>
    </div>
    <p class="muted">The fan speeds up as soon as the temperature rises; it slows down only after the temperature fell by the hysteresis, so it does not hunt.</p>
    ${errors.length > 0 && html`<ul class="error" role="alert">${errors.map((m) => html`<li>${m}</li>`)}</ul>`}
    <div class="actions">
      <button type="submit" disabled=${busy}>${busy ? 'Saving…' : 'Save curve'}</button>
      ${fan.curve && html`<button type="button" class="secondary" disabled=${busy} onClick=${release}>Hand back to automatic control</button>`}
    </div>
  </form>`;
}
