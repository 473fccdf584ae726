// Freezing the tuned constants: a SHA-256 of their values, recorded in lab/tuned.lock.json by
// `npm run lab:freeze` and checked before every held-out run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TUNED, TUNING_SEEDS } from './tuned.ts';

export const LOCK_PATH = join(import.meta.dirname, '..', '..', 'tuned.lock.json');

export interface FreezeRecord {
  readonly sha256: string;
  readonly frozenAt: string;
  readonly candidatePolicy: string;
  readonly tuningSeeds: readonly number[];
}

/** JSON with keys sorted at every level, so the hash depends on values only. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function tunedHash(tuned: unknown = TUNED, seeds: readonly number[] = TUNING_SEEDS): string {
  return createHash('sha256').update(canonical({ tuned, seeds })).digest('hex');
}

export function readFreeze(path = LOCK_PATH): FreezeRecord | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as FreezeRecord;
}

export function writeFreeze(path = LOCK_PATH, now = new Date()): FreezeRecord {
  const record: FreezeRecord = { sha256: tunedHash(), frozenAt: now.toISOString(), candidatePolicy: TUNED.candidatePolicy, tuningSeeds: TUNING_SEEDS };
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Why a held-out run may not start; undefined when the constants are frozen as they are. */
export function freezeProblem(record: FreezeRecord | undefined, hash = tunedHash()): string | undefined {
  if (!record) return `lab/tuned.lock.json is missing: run the tuning set, then \`npm run lab:freeze\` before a held-out run`;
  if (record.sha256 !== hash) {
    return `the constants in lab/src/protocol/tuned.ts changed after they were frozen (${record.frozenAt}; frozen ${record.sha256.slice(0, 12)}, now ${hash.slice(0, 12)}): re-run the tuning set (--set tuning) and \`npm run lab:freeze\` before a held-out run`;
  }
  return undefined;
}
