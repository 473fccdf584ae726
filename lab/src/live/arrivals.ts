// The arrival times of a live run, drawn from the model's arrival process with a seed: the same
// seed gives the same requests at the same moments to every strategy run live.
import { Random } from '../core/random.ts';
import type { ArrivalModel } from '../simulator/model.ts';

/** Seconds from the start of the run at which requests arrive, in order, before `durationSeconds`. */
export function arrivalTimes(arrivals: ArrivalModel, durationSeconds: number, seed: number): number[] {
  const random = new Random(seed ^ 0x11fe);
  const times: number[] = [];
  let now = 0;
  switch (arrivals.kind) {
    case 'poisson':
      while ((now += random.exponential(1 / arrivals.ratePerSecond)) < durationSeconds) times.push(now);
      return times;
    case 'schedule': {
      const segments = [...arrivals.segments].sort((a, b) => a.fromSeconds - b.fromSeconds);
      segments.forEach((segment, i) => {
        const end = Math.min(durationSeconds, segments[i + 1]?.fromSeconds ?? durationSeconds);
        // Memoryless: each segment starts its own Poisson process at its start.
        now = segment.fromSeconds;
        if (segment.ratePerSecond <= 0) return;
        while ((now += random.exponential(1 / segment.ratePerSecond)) < end) times.push(now);
      });
      return times;
    }
    case 'bursty': {
      let burst = false;
      let phaseEnd = random.exponential(arrivals.meanCalmSeconds);
      while (now < durationSeconds) {
        const rate = burst ? arrivals.burstRatePerSecond : arrivals.calmRatePerSecond;
        const next = now + random.exponential(1 / rate);
        if (next >= phaseEnd) {
          now = phaseEnd;
          burst = !burst;
          phaseEnd = now + random.exponential(burst ? arrivals.meanBurstSeconds : arrivals.meanCalmSeconds);
          continue;
        }
        now = next;
        if (now < durationSeconds) times.push(now);
      }
      return times;
    }
  }
}
