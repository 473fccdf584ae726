// A binary min-heap of events on typed arrays: time, the attempt's start, the request's origin
// (first arrival), a tag (pod and client proxy) and a meta word (attempt number, flags).
// No allocation per event.

export class EventHeap {
  private times: Float64Array;
  private starts: Float64Array;
  private origins: Float64Array;
  private tags: Int32Array;
  private metas: Int32Array;
  size = 0;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.times = new Float64Array(n);
    this.starts = new Float64Array(n);
    this.origins = new Float64Array(n);
    this.tags = new Int32Array(n);
    this.metas = new Int32Array(n);
  }

  topTime(): number {
    return this.size > 0 ? (this.times[0] as number) : Infinity;
  }

  topStart(): number {
    return this.starts[0] as number;
  }

  topOrigin(): number {
    return this.origins[0] as number;
  }

  topTag(): number {
    return this.tags[0] as number;
  }

  topMeta(): number {
    return this.metas[0] as number;
  }

  push(time: number, start: number, origin: number, tag: number, meta: number): void {
    if (this.size === this.times.length) this.grow();
    const { times, starts, origins, tags, metas } = this;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent] as number;
      if (parentTime <= time) break;
      times[i] = parentTime;
      starts[i] = starts[parent] as number;
      origins[i] = origins[parent] as number;
      tags[i] = tags[parent] as number;
      metas[i] = metas[parent] as number;
      i = parent;
    }
    times[i] = time;
    starts[i] = start;
    origins[i] = origin;
    tags[i] = tag;
    metas[i] = meta;
  }

  pop(): void {
    const { times, starts, origins, tags, metas } = this;
    const last = --this.size;
    if (last === 0) return;
    const time = times[last] as number;
    const start = starts[last] as number;
    const origin = origins[last] as number;
    const tag = tags[last] as number;
    const meta = metas[last] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && (times[child + 1] as number) < (times[child] as number)) child++;
      if ((times[child] as number) >= time) break;
      times[i] = times[child] as number;
      starts[i] = starts[child] as number;
      origins[i] = origins[child] as number;
      tags[i] = tags[child] as number;
      metas[i] = metas[child] as number;
      i = child;
    }
    times[i] = time;
    starts[i] = start;
    origins[i] = origin;
    tags[i] = tag;
    metas[i] = meta;
  }

  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    this.times = grow(this.times, (n) => new Float64Array(n));
    this.starts = grow(this.starts, (n) => new Float64Array(n));
    this.origins = grow(this.origins, (n) => new Float64Array(n));
    this.tags = grow(this.tags, (n) => new Int32Array(n));
    this.metas = grow(this.metas, (n) => new Int32Array(n));
  }
}
