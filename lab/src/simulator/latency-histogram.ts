// Latencies recorded in logarithmic bins (1% wide), enough for percentiles without keeping
// every sample. `coarsen` shifts bins for cheaper per-slice histograms.

const MIN_MS = 0.01;
const GROWTH = 1.01;
const BIN_COUNT = 2048;
const INV_LOG_GROWTH = 1 / Math.log(GROWTH);

export function latencyBin(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const bin = Math.floor(Math.log(ms / MIN_MS) * INV_LOG_GROWTH);
  return bin < BIN_COUNT ? bin : BIN_COUNT - 1;
}

/** Upper edge of a fine bin, in ms. */
function binUpperMs(bin: number): number {
  return MIN_MS * Math.pow(GROWTH, bin + 1);
}

export class LatencyHistogram {
  readonly counts: Float64Array;
  total = 0;

  constructor(private readonly coarsenBits = 0) {
    this.counts = new Float64Array(Math.ceil(BIN_COUNT / (1 << coarsenBits)));
  }

  /** Records one latency given its fine bin (see latencyBin). */
  addBin(fineBin: number): void {
    this.counts[fineBin >> this.coarsenBits]! += 1;
    this.total++;
  }

  add(ms: number): void {
    this.addBin(latencyBin(ms));
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i] as number;
    this.total += other.total;
  }

  /** The q-quantile in ms (upper edge of the bin that holds it); NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return binUpperMs(((i + 1) << this.coarsenBits) - 1);
    }
    return binUpperMs(BIN_COUNT - 1);
  }
}
