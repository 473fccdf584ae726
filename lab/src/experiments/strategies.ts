// What the experiments compare: every registered policy (through the same guard rails as the
// controller) and the baselines that are not policies: least-request across all pods, and the
// oracle. A strategy turns a scenario and a seed into a routing for the simulator.
import { equalWeights, weightsEqual } from '../core/weights.ts';
import { controlStep } from '../controller/control-step.ts';
import { DEFAULT_GUARDRAILS, type GuardrailConfig, type GuardState } from '../guardrails.ts';
import { POLICIES } from '../policies/index.ts';
import { TUNED } from '../protocol/tuned.ts';
import { simulate } from '../simulator/engine.ts';
import type { ControlSettings, Routing, SimulationModel, SimulationResult } from '../simulator/model.ts';
import type { Scenario } from '../scenarios/index.ts';
import { hindsightSearch, intervalCount, scheduleFromWeights, type HindsightSettings } from './hindsight.ts';
import { oracleWeights } from './oracle.ts';

/** policy: a weights controller; per-request: a balancer the sidecars run; baseline: for comparison. */
export type StrategyKind = 'baseline' | 'policy' | 'per-request';

export interface Strategy {
  readonly name: string;
  readonly kind: StrategyKind;
  readonly adaptive: boolean;
  readonly summary: string;
  routing(scenario: Scenario, subsets: readonly string[], seed: number, overrides?: GuardrailOverrides): Routing;
  /** Changes to the scenario's model this strategy needs (e.g. one global proxy). */
  adjustModel?(model: SimulationModel): SimulationModel;
  /** A strategy that needs more than one simulation (a search) runs itself; `routing` is then unused. */
  run?(scenario: Scenario, model: SimulationModel, control: ControlSettings, seed: number): { result: SimulationResult; simulations: number };
}

/** Guard-rail settings an experiment varies (the step-limit trade-off). */
export interface GuardrailOverrides {
  readonly maxStepPercent?: number;
}

export function guardrailsFor(subsets: readonly string[], overrides: GuardrailOverrides = {}): GuardrailConfig {
  const config = { ...DEFAULT_GUARDRAILS, ...overrides, subsets };
  return { ...config, hysteresisPercent: Math.min(config.hysteresisPercent, config.maxStepPercent) };
}

function policyStrategy(definition: (typeof POLICIES)[number]): Strategy {
  return {
    name: definition.name,
    kind: definition.adaptive ? 'policy' : 'baseline',
    adaptive: definition.adaptive,
    summary: definition.name === 'static' ? 'static 50/50 (the manifest)' : definition.summary,
    routing: (_scenario, subsets, seed, overrides) => {
      const policy = definition.create({ subsets, seed });
      const config = guardrailsFor(subsets, overrides);
      let state: GuardState = {};
      return {
        kind: 'subset-weights',
        initialWeights: equalWeights(subsets),
        onControl: (view) => {
          const step = controlStep({ policy, observations: view.observations, current: view.current, nowSeconds: view.nowSeconds, state, config });
          state = step.state;
          return { weights: step.weights, action: step.action };
        },
      };
    },
  };
}

const leastRequest: Strategy = {
  name: 'least-request',
  kind: 'baseline',
  adaptive: true,
  summary: "Envoy LEAST_REQUEST across all pods, no subset weights: two picks with replacement, fewer active requests wins; each proxy sees only its own requests",
  routing: () => ({ kind: 'least-request' }),
};

const roundRobin: Strategy = {
  name: 'round-robin',
  kind: 'baseline',
  adaptive: false,
  summary: 'Envoy ROUND_ROBIN across all pods, no subset weights (each proxy its own rotation)',
  routing: () => ({ kind: 'round-robin' }),
};

const orcaWrr: Strategy = {
  name: 'orca-wrr',
  kind: 'per-request',
  adaptive: true,
  summary: `Envoy client_side_weighted_round_robin across all pods, fed by ORCA load reports on every response: weight = rps / (utilisation + ${TUNED.orcaWrr.errorUtilisationPenalty} x eps / rps), updated every ${TUNED.orcaWrr.weightUpdateSeconds} s, ${TUNED.orcaWrr.blackoutSeconds} s blackout`,
  routing: () => ({ kind: 'orca-wrr', ...TUNED.orcaWrr }),
};

const prequal: Strategy = {
  name: 'prequal',
  kind: 'per-request',
  adaptive: true,
  summary: `Prequal-style probing balancer per proxy across all pods (Wydrowski et al., NSDI 2024): ${TUNED.prequal.probesPerRequest} probes per request to random pods return requests in flight and a latency estimate after a ${TUNED.prequal.probeRttMs} ms round trip; a pool of ${TUNED.prequal.poolSize} replies, each dropped after ${TUNED.prequal.maxAgeMs} ms or ${TUNED.prequal.maxReuse} uses; hot-cold lexicographic choice (hot: RIF above the ${TUNED.prequal.hotQuantile} quantile of the last ${TUNED.prequal.rifHistory} replies; lowest latency among cold, lowest RIF when all are hot). Not an Envoy built-in`,
  routing: () => ({ kind: 'prequal', ...TUNED.prequal }),
};

const leastRequestGlobal: Strategy = {
  name: 'least-request-1proxy',
  kind: 'baseline',
  adaptive: true,
  summary: 'least-request with a single proxy that sees every request in flight (an upper bound for P2C)',
  routing: () => ({ kind: 'least-request' }),
  adjustModel: (model) => ({ ...model, clientProxies: 1 }),
};

const clairvoyant: Strategy = {
  name: 'clairvoyant',
  kind: 'baseline',
  adaptive: true,
  summary: 'a central dispatcher knowing every request\'s service time and outcome on every pod and every pod\'s queue: each request goes where it succeeds and finishes first (greedy; a reference no balancer can match, not a proven p99 optimum)',
  routing: () => ({ kind: 'clairvoyant' }),
  adjustModel: (model) => ({ ...model, clientProxies: 1 }),
};

// Not a bound: it minimises a mean M/M/c cost at the long-run arrival rate, which is not the
// p99 the experiments score (policies can and do beat it on bursts).
const oracle: Strategy = {
  name: 'mmc-informed',
  kind: 'baseline',
  adaptive: true,
  summary: 'told the true service times, errors and mean load; weights minimising a mean M/M/c cost model every interval (a model-based reference, not a bound on p99)',
  routing: (_scenario, subsets) => {
    const floor = guardrailsFor(subsets).floorPercent;
    return {
      kind: 'subset-weights',
      initialWeights: equalWeights(subsets),
      onControl: (view) => {
        const weights = oracleWeights(view, floor);
        return { weights, action: weightsEqual(weights, view.current, subsets) ? 'hold' : 'change' };
      },
    };
  },
};

/** The hindsight search's grid and refinement budget (a reference, not tuned on results). */
export const HINDSIGHT: HindsightSettings = { grid: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], refinements: 3 };

// Knows the whole run: the best weight schedule it finds (one weight per control interval,
// applied at once) among constant ones, the candidate controller's own schedule replayed, and
// compositions of those (hindsight.ts). A reachable schedule, so not a proven optimum.
const hindsight: Strategy = {
  name: 'hindsight-weights',
  kind: 'baseline',
  adaptive: true,
  summary: `knowing the whole run, the best schedule of weights per control interval found by a search (constant weights ${HINDSIGHT.grid[0]}-${HINDSIGHT.grid[HINDSIGHT.grid.length - 1]} by ${HINDSIGHT.grid[1]}, the candidate's schedule replayed, per-interval compositions solved exactly on a surrogate that treats intervals as independent, ${HINDSIGHT.refinements} refinements), each scored by a full simulation with the weights reaching every proxy at once: what a weights controller that knew the future could reach; a best-found schedule, not a proven optimum`,
  routing: () => {
    throw new Error('hindsight-weights runs its own search (Strategy.run)');
  },
  run: (scenario, model, control, seed) => {
    const subsets = model.subsets.map((s) => s.name);
    const candidate = findStrategy(TUNED.candidatePolicy);
    const warm = simulate(model, control, candidate.routing(scenario, subsets, seed), seed);
    const schedule = scheduleFromWeights(warm.weightsPerSecond[subsets[0] as string] ?? [], control.intervalSeconds, intervalCount(model, control));
    const outcome = hindsightSearch(model, control, seed, subsets, HINDSIGHT, [{ name: TUNED.candidatePolicy, schedule }]);
    return { result: outcome.result, simulations: outcome.simulations + 1 };
  },
};

export const STRATEGIES: readonly Strategy[] = [
  // equal-split is static at the manifest's 50/50: not run twice.
  ...POLICIES.filter((p) => p.name !== 'equal-split').map(policyStrategy),
  orcaWrr,
  prequal,
  roundRobin,
  leastRequest,
  leastRequestGlobal,
  oracle,
  hindsight,
  clairvoyant,
];

export function findStrategy(name: string): Strategy {
  const found = STRATEGIES.find((strategy) => strategy.name === name);
  if (!found) throw new Error(`unknown strategy '${name}' (known: ${STRATEGIES.map((s) => s.name).join(', ')})`);
  return found;
}
