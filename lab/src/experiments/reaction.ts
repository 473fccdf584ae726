// Time to react: after a change, how long until the weight of the subset concerned has moved
// by REACTION_POINTS in the right direction (as applied, so including the control interval,
// the metric window and the actuation delay).
import type { ScenarioChange } from '../scenarios/index.ts';

export const REACTION_POINTS = 10;

/** Seconds from the change to the reaction; null when the weights never moved enough before the next change or the end. */
export function reactionSeconds(
  weightPerSecond: readonly number[],
  change: ScenarioChange,
  untilSeconds: number = weightPerSecond.length,
): number | null {
  const before = weightPerSecond[change.atSeconds];
  if (before === undefined) return null;
  const end = Math.min(untilSeconds, weightPerSecond.length);
  for (let second = change.atSeconds; second < end; second++) {
    const moved = (weightPerSecond[second] as number) - before;
    if (change.direction === 'away' ? moved <= -REACTION_POINTS : moved >= REACTION_POINTS) return second - change.atSeconds;
  }
  return null;
}
