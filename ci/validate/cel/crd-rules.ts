// What the API server checks in a custom resource beyond its JSON schema: the CRD's CEL rules
// (`x-kubernetes-validations`, evaluated with @marcbachmann/cel-js plus the Kubernetes functions of
// kubernetes-library.ts) and the uniqueness of `x-kubernetes-list-type: set|map` lists.
// Per definition, a plan keeps only the schema nodes that carry such a check (or lead to one), so
// a document is walked along those paths only; each rule is compiled once per thread and kept.
import { createRequire } from 'node:module';
import type { Environment } from '@marcbachmann/cel-js';
import type { FieldPath } from '../../lib/manifests.ts';
import type { JsonSchema } from '../schemas/types.ts';
import type { Violation } from '../violation.ts';
import { addKubernetesLibrary } from './kubernetes-library.ts';

// The CEL library is loaded when the first rule is compiled: runs without custom resources never pay for it.
const require = createRequire(import.meta.url);
const loadCel = (): { Environment: typeof Environment } => require('@marcbachmann/cel-js') as { Environment: typeof Environment };

export const CRD_RULES = { cel: 'SCH007', listUnique: 'SCH008' } as const;

interface CelRule { rule: string; message?: string }
type Program = (context: { self: unknown }) => unknown;

interface PlanNode {
  /** The schema of this node, refs resolved (to convert values to CEL types). */
  schema: JsonSchema;
  rules: CelRule[];
  listType?: 'set' | 'map';
  mapKeys?: string[];
  properties?: Map<string, PlanNode>;
  items?: PlanNode;
  additionalProperties?: PlanNode;
}

const REF_PREFIX = '#/definitions/';
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class CrdRules {
  private readonly plans = new Map<string, PlanNode | null>();
  private readonly programs = new Map<string, Program>();
  private readonly uncompilable = new Set<string>();
  /** Outcomes of rules on scalar values (durations, ports, names): a pure function of rule and value. */
  private readonly scalarOutcomes = new Map<string, Map<unknown, unknown>>();
  private env: Environment | undefined;

  constructor(private readonly definitions: Record<string, JsonSchema>) {}

  /** Number of rules compiled so far in this thread. */
  get compiledRules(): number {
    return this.programs.size;
  }

  check(definition: string, object: unknown): Violation[] {
    const plan = this.planFor(definition);
    if (!plan) return [];
    const violations: Violation[] = [];
    this.walk(plan, object, [], violations);
    return violations;
  }

  /**
   * Compiles every rule of the given definitions (default: all): how many rules they carry, how
   * many distinct ones, and those that do not compile.
   */
  compileAll(names: Iterable<string> = Object.keys(this.definitions)): { rules: number; distinct: number; failed: string[] } {
    let rules = 0;
    const distinct = new Set<string>();
    for (const name of names) {
      const visit = (node: PlanNode | undefined): void => {
        if (!node) return;
        for (const rule of node.rules) {
          this.program(rule.rule);
          distinct.add(rule.rule);
          rules++;
        }
        node.properties?.forEach(visit);
        visit(node.items);
        visit(node.additionalProperties);
      };
      visit(this.planFor(name) ?? undefined);
    }
    return { rules, distinct: distinct.size, failed: [...distinct].filter((rule) => this.uncompilable.has(rule)) };
  }

  private resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let depth = 0; typeof current.$ref === 'string' && current.$ref.startsWith(REF_PREFIX) && depth < 20; depth++) {
      current = this.definitions[current.$ref.slice(REF_PREFIX.length)] ?? {};
    }
    return current;
  }

  private planFor(definition: string): PlanNode | null {
    let plan = this.plans.get(definition);
    if (plan === undefined) {
      const root = this.definitions[definition];
      plan = root ? this.buildPlan(root, new Set([definition])) : null;
      this.plans.set(definition, plan);
    }
    return plan;
  }

  /** The pruned plan of a schema node, or null when nothing below it is checked. */
  private buildPlan(raw: JsonSchema, seen: Set<string>): PlanNode | null {
    if (typeof raw.$ref === 'string') {
      const name = raw.$ref.slice(REF_PREFIX.length);
      if (seen.has(name)) return null; // recursive types (JSONSchemaProps) carry no rules here
      return this.buildPlan(this.resolve(raw), new Set([...seen, name]));
    }
    const node: PlanNode = { schema: raw, rules: [] };
    let useful = false;
    const validations = raw['x-kubernetes-validations'];
    if (Array.isArray(validations)) {
      node.rules = validations.filter((rule): rule is CelRule => isObject(rule) && typeof rule.rule === 'string');
      useful ||= node.rules.length > 0;
    }
    const listType = raw['x-kubernetes-list-type'];
    if (listType === 'set' || listType === 'map') {
      node.listType = listType;
      const keys = raw['x-kubernetes-list-map-keys'];
      if (Array.isArray(keys)) node.mapKeys = keys.filter((key): key is string => typeof key === 'string');
      useful = true;
    }
    if (isObject(raw.properties)) {
      for (const [name, child] of Object.entries(raw.properties)) {
        const plan = isObject(child) ? this.buildPlan(child, seen) : null;
        if (plan) (node.properties ??= new Map()).set(name, plan);
      }
      useful ||= node.properties !== undefined;
    }
    for (const key of ['items', 'additionalProperties'] as const) {
      const child = raw[key];
      const plan = isObject(child) ? this.buildPlan(child, seen) : null;
      if (plan) {
        node[key] = plan;
        useful = true;
      }
    }
    return useful ? node : null;
  }

  private program(rule: string): Program {
    let program = this.programs.get(rule);
    if (!program) {
      const { Environment: CelEnvironment } = loadCel();
      this.env ??= addKubernetesLibrary(new CelEnvironment({ homogeneousAggregateLiterals: false }).registerVariable('self', 'dyn'));
      try {
        const parsed = this.env.parse(rule);
        // Type-checked once here, evaluation skips the check it would otherwise repeat on every call.
        parsed.check();
        program = parsed as unknown as Program;
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        this.uncompilable.add(rule);
        program = () => {
          throw new Error(`the rule does not compile: ${reason}`);
        };
      }
      this.programs.set(rule, program);
    }
    return program;
  }

  private walk(node: PlanNode, value: unknown, path: FieldPath, out: Violation[]): void {
    if (value === undefined || value === null) return;
    let self: { self: unknown } | undefined; // converted once for all the rules of this node
    const scalar = typeof value !== 'object';
    for (const rule of node.rules) {
      let outcomes = scalar ? this.scalarOutcomes.get(rule.rule) : undefined;
      let outcome: unknown = outcomes?.get(value);
      if (outcome === undefined) {
        try {
          self ??= { self: toCel(value, node.schema, this) };
          outcome = this.program(rule.rule)(self);
        } catch (error) {
          outcome = error instanceof Error ? error : new Error(String(error));
        }
        if (scalar) {
          if (!outcomes || outcomes.size > 10_000) this.scalarOutcomes.set(rule.rule, (outcomes = new Map()));
          outcomes.set(value, outcome);
        }
      }
      if (outcome === true) continue;
      const failed = outcome instanceof Error ? ` (evaluation error: ${outcome.message.split('\n')[0]})` : '';
      out.push({
        ruleId: CRD_RULES.cel, severity: 'error', path,
        message: `${rule.message ?? `failed rule: ${rule.rule}`}${failed}`,
        hint: `change the field so that the CRD's validation rule holds (the API server rejects it): ${rule.rule.replace(/\s*\n\s*/g, ' ')}`,
      });
    }
    if (node.listType && Array.isArray(value)) this.checkList(node, value, path, out);
    if (node.properties && isObject(value)) {
      for (const [name, child] of node.properties) this.walk(child, value[name], [...path, name], out);
    }
    if (node.items && Array.isArray(value)) value.forEach((item, index) => this.walk(node.items!, item, [...path, index], out));
    if (node.additionalProperties && isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (node.properties?.has(key)) continue;
        this.walk(node.additionalProperties, child, [...path, key], out);
      }
    }
  }

  private checkList(node: PlanNode, list: unknown[], path: FieldPath, out: Violation[]): void {
    const keys = node.listType === 'map' ? node.mapKeys ?? [] : undefined;
    const keyOf = (item: unknown): string => (keys && isObject(item) ? JSON.stringify(keys.map((key) => item[key] ?? null)) : JSON.stringify(item));
    const first = new Map<string, number>();
    list.forEach((item, index) => {
      const key = keyOf(item);
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, index);
        return;
      }
      const what = keys ? keys.map((k) => `${k}=${JSON.stringify(isObject(item) ? item[k] : undefined)}`).join(', ') : JSON.stringify(item);
      out.push({
        ruleId: CRD_RULES.listUnique, severity: 'error', path: [...path, index],
        message: `duplicate entry ${what} (also item ${earlier}): this list is a ${node.listType}${keys ? ` keyed by ${keys.join(', ')}` : ''}`,
        hint: keys ? `give each entry a distinct ${keys.join(' + ')}, or merge the two entries` : 'remove the repeated value',
      });
    });
  }

  /** The resolved schema of a node (for conversions below refs). */
  resolved(schema: JsonSchema): JsonSchema {
    return this.resolve(schema);
  }
}

/** A YAML value as CEL sees it: schema integers are CEL ints (bigint), everything else as read. */
function toCel(value: unknown, rawSchema: JsonSchema | undefined, rules: CrdRules): unknown {
  const schema = rawSchema ? rules.resolved(rawSchema) : undefined;
  if (typeof value === 'number') return schema?.type === 'integer' && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? schema.items : undefined;
    return value.map((item) => toCel(item, items, rules));
  }
  if (isObject(value)) {
    const properties = isObject(schema?.properties) ? schema.properties : undefined;
    const additional = isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === null) continue; // null fields are absent for the API server
      const childSchema = properties?.[key];
      out[key] = toCel(child, isObject(childSchema) ? childSchema : additional, rules);
    }
    return out;
  }
  return value;
}
