// Evaluation seeds: drawn fresh from the operating system's generator for every held-out run
// and recorded with its results; never a small 1..N list, never a tuning seed.
import { randomInt } from 'node:crypto';

const LOWEST = 1_000_000;
const HIGHEST = 2 ** 31 - 1;

export function drawSeeds(count: number, exclude: readonly number[] = []): number[] {
  const seeds = new Set<number>();
  while (seeds.size < count) {
    const seed = randomInt(LOWEST, HIGHEST);
    if (!exclude.includes(seed)) seeds.add(seed);
  }
  return [...seeds];
}

/** Problems with a seed list given for a held-out run (to reproduce one); empty when usable. */
export function heldOutSeedProblems(seeds: readonly number[], tuningSeeds: readonly number[]): string[] {
  const problems: string[] = [];
  if (seeds.length < 2) problems.push('a held-out run needs at least 2 seeds (confidence intervals)');
  if (new Set(seeds).size !== seeds.length) problems.push('held-out seeds must be distinct');
  const reused = seeds.filter((s) => tuningSeeds.includes(s));
  if (reused.length > 0) problems.push(`held-out seeds ${reused.join(', ')} were used for tuning`);
  const small = seeds.filter((s) => !(Number.isInteger(s) && s >= LOWEST && s <= HIGHEST));
  if (small.length > 0) problems.push(`held-out seeds must be drawn integers in ${LOWEST}..${HIGHEST} (got ${small.join(', ')})`);
  return problems;
}
