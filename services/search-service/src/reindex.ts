// Fills the index from product-service's catalogue (every product on sale), a page at a time.
// Each document is written with the time its page was asked for as its external version: an
// event stamped earlier carries data no newer than what the page showed and is refused as stale;
// a change after it arrives as an event with a later time (up to clock skew between the services).
import { createHttpClient } from '@shopmesh/service-kit';
import type { IndexedProduct, ProductIndex } from './product-index.ts';

const PAGE_SIZE = 100;

interface CataloguePage {
  items: IndexedProduct[];
  total: number;
}

export interface ReindexOutcome {
  indexed: number;
  stale: number;
}

/**
 * Writes every product of the catalogue at `productServiceUrl` into `index`. With `recreate`, the
 * index is first deleted and created empty, so products withdrawn since are gone too.
 */
export async function reindexFromCatalogue(options: {
  index: ProductIndex;
  productServiceUrl: string;
  recreate?: boolean;
}): Promise<ReindexOutcome> {
  const catalogue = createHttpClient({ name: 'product-service', baseUrl: options.productServiceUrl, timeoutMs: 10_000 });
  if (options.recreate) await options.index.recreate();
  else await options.index.ensure();
  const outcome: ReindexOutcome = { indexed: 0, stale: 0 };
  for (let page = 1; ; page++) {
    const version = Date.now();
    const answer = await catalogue.get<CataloguePage>(`/?page=${page}&limit=${PAGE_SIZE}`);
    if (answer.status !== 200 || !Array.isArray(answer.body?.items)) {
      throw new Error(`product-service answered ${answer.status} to page ${page} of the catalogue`);
    }
    for (const { id, name, description, category, price, stock } of answer.body.items) {
      outcome[(await options.index.upsert({ id, name, description, category, price, stock }, version)) === 'indexed' ? 'indexed' : 'stale']++;
    }
    if (answer.body.items.length < PAGE_SIZE || page * PAGE_SIZE >= answer.body.total) return outcome;
  }
}

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Reindexes in the background when asked (start-up with a missing or empty index, the index
 * deleted under the running service); one run at a time, a failed run retried with a growing pause.
 */
export function createReindexer(options: { index: ProductIndex; productServiceUrl: string; log: Logger }) {
  let running: Promise<void> | undefined;
  let closed = false;
  const run = async (reason: string): Promise<void> => {
    for (let attempt = 1; !closed; attempt++) {
      try {
        const outcome = await reindexFromCatalogue(options);
        options.log.info({ reason, ...outcome }, 'product index filled from the catalogue');
        return;
      } catch (error) {
        options.log.warn({ reason, attempt, err: error instanceof Error ? error.message : String(error) }, 'reindex failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * 2 ** attempt, 30_000)).unref());
      }
    }
  };
  return {
    /** Starts a reindex unless one is running; resolves when it is done. */
    trigger(reason: string): Promise<void> {
      running ??= run(reason).finally(() => (running = undefined));
      return running;
    },
    /** Reindexes when the index is missing or holds nothing (start-up). */
    async ifEmpty(): Promise<void> {
      const created = (await options.index.ensure()) === 'created';
      if (created || (await options.index.size()) === 0) await this.trigger(created ? 'index missing' : 'index empty');
    },
    /** Stops retrying; a write in flight fails harmlessly once the index client is closed. */
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}
