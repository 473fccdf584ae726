// The fault setting of each subset's process at a live second: the live model's conditions (mean
// service time, fast and slow error probabilities) with its slots, queue and service-time shape,
// so the processes behave as the simulator's pods of the same model.
import type { FaultSetting } from '@shopmesh/service-kit/fault';
import type { SimulationModel } from '../simulator/model.ts';

export function faultAt(model: SimulationModel, subsetName: string, second: number): FaultSetting {
  const subset = model.subsets.find((s) => s.name === subsetName);
  if (!subset) throw new Error(`no subset ${subsetName} in the model`);
  const c = model.conditions(subsetName, second);
  return {
    delayMs: c.meanServiceMs,
    serviceTime: subset.serviceTime ?? model.serviceTime,
    slots: subset.pods * subset.concurrency,
    queueLimit: subset.pods * subset.queueLimit,
    errorPercent: c.errorProbability * 100,
    slowErrorPercent: (c.slowErrorProbability ?? 0) * 100,
  };
}

/** Rewrites each subset's fault every second of the run (second 0 at once) until stop(). */
export function playFaults(model: SimulationModel, startMs: number, write: (subset: string, setting: FaultSetting) => void): { stop(): void } {
  let second = -1;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = Math.floor((performance.now() - startMs) / 1000);
    // Every second in order (the model's conditions are asked once per second, in order).
    while (second < Math.min(now, model.durationSeconds - 1)) {
      second++;
      for (const subset of model.subsets) write(subset.name, faultAt(model, subset.name, second));
    }
    timer = setTimeout(tick, Math.max(10, startMs + (second + 1) * 1000 - performance.now()));
  };
  tick();
  return { stop: () => clearTimeout(timer) };
}
