// Restart policy for the engine host, as pure functions: how long to wait before the next restart,
// and when to stop restarting and ask the user instead. No timers here; the client owns those.

export interface RestartPolicy {
  /** Delay before the first restart. */
  readonly baseDelayMs: number;
  /** Each further crash multiplies the delay by this. */
  readonly factor: number;
  readonly maxDelayMs: number;
  /** This many crashes inside `windowMs` means the host cannot run here: stop restarting. */
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  baseDelayMs: 500,
  factor: 2,
  maxDelayMs: 15_000,
  maxCrashes: 4,
  windowMs: 3 * 60_000,
};

/** Crash times that still count: those inside the policy's window ending at `now`. */
export function recentCrashes(crashTimes: readonly number[], now: number, policy: RestartPolicy): number[] {
  return crashTimes.filter((t) => now - t < policy.windowMs);
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false };

/**
 * What to do after a crash at `now`, given the crash times already recorded (including this one).
 * The delay grows with the number of recent crashes: 1 → base, 2 → base·factor, … capped at max.
 */
export function decideRestart(crashTimes: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const recent = recentCrashes(crashTimes, now, policy).length;
  if (recent >= policy.maxCrashes) return { restart: false };
  const exponent = Math.max(0, recent - 1);
  return { restart: true, delayMs: Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** exponent) };
}
