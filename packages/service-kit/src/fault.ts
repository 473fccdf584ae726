// A fault setting for experiments (the lab's live loop): it makes this process behave like a pod
// of the lab's simulator, with a number of request slots and a bounded queue, each request holding
// a slot for a service time drawn around a mean delay, a share answered 503 at once (fast errors)
// and a share answered 503 after holding its slot (slow errors). Off unless FAULT_FILE names a
// JSON file; the file is read again whenever it changes, so the conditions of a running process
// can change over time. A bad file is logged and the setting in force is kept.
import { unwatchFile, watchFile, readFileSync, existsSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

const ServiceTime = Type.Union([
  Type.Object({ kind: Type.Literal('fixed') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('exponential') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('lognormal'), sigma: Type.Number({ exclusiveMinimum: 0, maximum: 5 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('pareto'), alpha: Type.Number({ exclusiveMinimum: 1, maximum: 100 }) }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('bimodal'), slowProbability: Type.Number({ minimum: 0, maximum: 1 }), slowFactor: Type.Number({ minimum: 1, maximum: 1000 }) },
    { additionalProperties: false },
  ),
]);

export const FaultSettingSchema = Type.Object(
  {
    /** Mean service time added to every request, in ms (0: none). */
    delayMs: Type.Number({ minimum: 0, maximum: 600_000, default: 0 }),
    /** How the service time is drawn around delayMs (each shape scaled to that mean). */
    serviceTime: Type.Optional(ServiceTime),
    /** Requests served at once; more wait in the queue (0: unlimited, no queue). */
    slots: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
    /** Waiting requests beyond which a request is answered 503 at once. */
    queueLimit: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1_000_000 }),
    /** Share of requests (0..100) answered 503 at once, before taking a slot. */
    errorPercent: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    /** Share of requests (0..100) served (holding the slot) and then answered 503. */
    slowErrorPercent: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
  },
  { additionalProperties: false },
);
export type FaultSetting = Static<typeof FaultSettingSchema>;
export type FaultServiceTime = Static<typeof ServiceTime>;

export const NO_FAULT: FaultSetting = Value.Default(FaultSettingSchema, {}) as FaultSetting;

/** Parses a fault file's text; throws naming each field at fault. */
export function parseFaultSetting(text: string): FaultSetting {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  const value = Value.Default(FaultSettingSchema, structuredClone(raw));
  const problems = [...Value.Errors(FaultSettingSchema, value)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return value as FaultSetting;
}

/** A service time (ms) of the given shape and mean. */
export function drawServiceTime(meanMs: number, shape: FaultServiceTime = { kind: 'exponential' }, random: () => number = Math.random): number {
  if (meanMs <= 0) return 0;
  const u = (): number => 1 - random(); // in (0, 1]
  switch (shape.kind) {
    case 'fixed':
      return meanMs;
    case 'exponential':
      return -meanMs * Math.log(u());
    case 'lognormal': {
      const normal = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * random());
      return meanMs * Math.exp(shape.sigma * normal - (shape.sigma * shape.sigma) / 2);
    }
    case 'pareto': {
      const scale = (meanMs * (shape.alpha - 1)) / shape.alpha;
      return scale / Math.pow(u(), 1 / shape.alpha);
    }
    case 'bimodal': {
      const fastMean = meanMs / (1 - shape.slowProbability + shape.slowProbability * shape.slowFactor);
      const mean = random() < shape.slowProbability ? fastMean * shape.slowFactor : fastMean;
      return -mean * Math.log(u());
    }
  }
}

/** Slots and a FIFO queue, resized while running. */
export class SlotGate {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private setting: Pick<FaultSetting, 'slots' | 'queueLimit'>) {}

  resize(setting: Pick<FaultSetting, 'slots' | 'queueLimit'>): void {
    this.setting = setting;
    this.wake();
  }

  get inService(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves to a release function once a slot is free; undefined when the queue is full. */
  acquire(): Promise<(() => void) | undefined> {
    const { slots, queueLimit } = this.setting;
    if (slots === 0 || this.busy < slots) {
      this.busy++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= queueLimit) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      this.wake();
    };
  }

  private wake(): void {
    const { slots } = this.setting;
    while (this.waiting.length > 0 && (slots === 0 || this.busy < slots)) {
      this.busy++;
      this.waiting.shift()?.();
    }
  }
}

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the fault file now and whenever it changes; stops watching when the app closes. */
export function installFault(app: FastifyInstance, file: string, log: FastifyBaseLogger, random: () => number = Math.random): { current(): FaultSetting } {
  let setting = NO_FAULT;
  const gate = new SlotGate(setting);
  const load = (): void => {
    if (!existsSync(file)) return void log.warn({ file }, 'fault file missing; keeping the fault setting in force');
    try {
      setting = parseFaultSetting(readFileSync(file, 'utf8'));
      gate.resize(setting);
      log.info({ fault: setting }, 'fault setting loaded');
    } catch (error) {
      log.error({ file, problem: (error as Error).message }, 'bad fault file; keeping the fault setting in force');
    }
  };
  load();
  watchFile(file, { interval: 100 }, load);
  app.addHook('onClose', async () => unwatchFile(file, load));

  const fail = (kind: string) => ({ error: { code: 'fault_injected', message: `${kind} injected by FAULT_FILE` } });
  app.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.has(request.url.split('?')[0] ?? '')) return;
    // Errors are decided on arrival, the service time when the request takes its slot (with the
    // setting then in force), as the lab's simulator does.
    const onArrival = setting;
    if (onArrival.errorPercent > 0 && random() * 100 < onArrival.errorPercent) return reply.code(503).send(fail('fast error'));
    const slowError = onArrival.slowErrorPercent > 0 && random() * 100 < onArrival.slowErrorPercent;
    const release = await gate.acquire();
    if (!release) return reply.code(503).send(fail('queue overflow'));
    try {
      await sleep(drawServiceTime(setting.delayMs, setting.serviceTime, random));
    } finally {
      release();
    }
    if (slowError) return reply.code(503).send(fail('slow error'));
    return undefined;
  });
  return { current: () => setting };
}
