/** A fan curve: temperature → duty points (percent), clamped to min/max, with hysteresis on the way down. */
export interface FanCurve {
  sensorId: string;
  points: { tempC: number; duty: number }[];
  minDuty: number;
  maxDuty: number;
  hysteresisC: number;
}

/** Where the control loop last set a fan: the duty and the temperature that asked for it. */
export interface CurveState {
  duty: number;
  atTempC: number;
}

/** The duty the points give at `tempC`: flat outside the range, linear between neighbours. */
export function interpolate(points: FanCurve['points'], tempC: number): number {
  const sorted = [...points].sort((a, b) => a.tempC - b.tempC);
  if (tempC <= sorted[0].tempC) return sorted[0].duty;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (tempC <= b.tempC) return b.tempC === a.tempC ? b.duty : a.duty + ((b.duty - a.duty) * (tempC - a.tempC)) / (b.tempC - a.tempC);
  }
  return sorted[sorted.length - 1].duty;
}

/**
 * The next duty for a fan. Rising temperature raises the duty at once; a falling one lowers it
 * only after the temperature dropped `hysteresisC` below where the current duty was set, so the
 * fan does not hunt around a point.
 */
export function nextDuty(curve: FanCurve, tempC: number, state: CurveState | null): CurveState {
  const target = Math.round(Math.min(curve.maxDuty, Math.max(curve.minDuty, interpolate(curve.points, tempC))));
  if (!state || target > state.duty) return { duty: target, atTempC: tempC };
  if (target < state.duty && tempC <= state.atTempC - curve.hysteresisC) return { duty: target, atTempC: tempC };
  return state;
}

/** Percent duty → hwmon pwm value (0–255). */
export function dutyToPwm(duty: number): number {
  return Math.round((Math.min(100, Math.max(0, duty)) * 255) / 100);
}

/** hwmon pwm value → percent duty. */
export function pwmToDuty(pwm: number): number {
  return Math.round((pwm * 100) / 255);
}
