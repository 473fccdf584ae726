// One client proxy's pool of probe replies for the Prequal-style balancer (Wydrowski et al.,
// "Load is not what you should balance: Introducing Prequal", NSDI 2024): each reply carries a
// replica's requests in flight (RIF) and its latency estimate when the probe reached it. A reply
// is usable once it has come back (a round trip after it was sent), until it is too old or has
// been used too often. Selection is hot-cold lexicographic: a probe is hot when its RIF is above
// the proxy's recent RIF quantile; among cold probes the lowest latency wins, and only when every
// usable probe is hot does the lowest RIF win.

export interface ProbePoolSettings {
  /** Replies kept; a new one replaces the oldest when full. */
  readonly poolSize: number;
  /** A reply older than this (from when its probe was sent) is dropped. */
  readonly maxAgeMs: number;
  /** Times one reply may pick a replica before it is dropped. */
  readonly maxReuse: number;
  /** Quantile of recent RIFs above which a replica is hot. */
  readonly hotQuantile: number;
  /** Round trip of a probe: its reply is usable this long after it was sent. */
  readonly probeRttMs: number;
  /** Recent probe RIFs the hot quantile is taken over. */
  readonly rifHistory: number;
}

/** RIFs are counted in integer bins up to this (more counts as the last bin). */
const RIF_BINS = 256;

export class ProbePool {
  private readonly pods: Int32Array;
  private readonly rifs: Float64Array;
  private readonly latencies: Float64Array;
  private readonly sentAt: Float64Array;
  private readonly uses: Int32Array;
  private count = 0;
  private readonly history: Int32Array;
  private readonly historyCounts: Int32Array;
  private historyNext = 0;
  private historyFilled = 0;

  constructor(private readonly settings: ProbePoolSettings) {
    if (!(settings.poolSize >= 1 && settings.maxReuse >= 1 && settings.rifHistory >= 1 && settings.hotQuantile > 0 && settings.hotQuantile <= 1)) {
      throw new Error('probe pool: poolSize, maxReuse and rifHistory must be at least 1 and hotQuantile in (0, 1]');
    }
    this.pods = new Int32Array(settings.poolSize);
    this.rifs = new Float64Array(settings.poolSize);
    this.latencies = new Float64Array(settings.poolSize);
    this.sentAt = new Float64Array(settings.poolSize);
    this.uses = new Int32Array(settings.poolSize);
    this.history = new Int32Array(settings.rifHistory);
    this.historyCounts = new Int32Array(RIF_BINS);
  }

  get size(): number {
    return this.count;
  }

  /** Records the reply of a probe sent at `sentAtMs` to `pod`, which had `rif` requests in flight. */
  add(pod: number, rif: number, latencyMs: number, sentAtMs: number): void {
    let slot = this.count;
    if (slot < this.settings.poolSize) {
      this.count++;
    } else {
      slot = 0;
      for (let i = 1; i < this.count; i++) if ((this.sentAt[i] as number) < (this.sentAt[slot] as number)) slot = i;
    }
    this.pods[slot] = pod;
    this.rifs[slot] = rif;
    this.latencies[slot] = latencyMs;
    this.sentAt[slot] = sentAtMs;
    this.uses[slot] = 0;
    const bin = Math.min(RIF_BINS - 1, Math.max(0, Math.round(rif)));
    if (this.historyFilled === this.history.length) this.historyCounts[this.history[this.historyNext] as number]! -= 1;
    else this.historyFilled++;
    this.history[this.historyNext] = bin;
    this.historyCounts[bin]! += 1;
    this.historyNext = (this.historyNext + 1) % this.history.length;
  }

  /** The RIF at the hot quantile of the recent replies: a probe above it is hot. */
  hotThreshold(): number {
    if (this.historyFilled === 0) return Infinity;
    const rank = Math.max(1, Math.ceil(this.settings.hotQuantile * this.historyFilled));
    let seen = 0;
    for (let bin = 0; bin < RIF_BINS; bin++) {
      seen += this.historyCounts[bin] as number;
      if (seen >= rank) return bin;
    }
    return RIF_BINS - 1;
  }

  /**
   * The replica to send to (hot-cold lexicographic over the usable replies), or -1 when no
   * reply is usable. The chosen reply counts one use and one more request in flight.
   */
  select(nowMs: number, avoid: number, usable: (pod: number) => boolean): number {
    this.dropExpired(nowMs);
    const threshold = this.hotThreshold();
    let cold = -1;
    let hot = -1;
    const readyBefore = nowMs - this.settings.probeRttMs;
    for (let i = 0; i < this.count; i++) {
      if ((this.sentAt[i] as number) > readyBefore) continue;
      const pod = this.pods[i] as number;
      if (pod === avoid || !usable(pod)) continue;
      const rif = this.rifs[i] as number;
      const latency = this.latencies[i] as number;
      if (rif > threshold) {
        if (hot < 0 || rif < (this.rifs[hot] as number) || (rif === (this.rifs[hot] as number) && latency < (this.latencies[hot] as number))) hot = i;
      } else if (cold < 0 || latency < (this.latencies[cold] as number) || (latency === (this.latencies[cold] as number) && rif < (this.rifs[cold] as number))) {
        cold = i;
      }
    }
    const chosen = cold >= 0 ? cold : hot;
    if (chosen < 0) return -1;
    const pod = this.pods[chosen] as number;
    this.rifs[chosen]! += 1;
    this.uses[chosen]! += 1;
    if ((this.uses[chosen] as number) >= this.settings.maxReuse) this.remove(chosen);
    return pod;
  }

  private dropExpired(nowMs: number): void {
    const oldest = nowMs - this.settings.maxAgeMs;
    for (let i = this.count - 1; i >= 0; i--) if ((this.sentAt[i] as number) < oldest) this.remove(i);
  }

  private remove(i: number): void {
    const last = --this.count;
    if (i === last) return;
    this.pods[i] = this.pods[last] as number;
    this.rifs[i] = this.rifs[last] as number;
    this.latencies[i] = this.latencies[last] as number;
    this.sentAt[i] = this.sentAt[last] as number;
    this.uses[i] = this.uses[last] as number;
  }
}
