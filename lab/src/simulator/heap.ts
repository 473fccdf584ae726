// A binary min-heap of completion events on typed arrays: time, the request's arrival time,
// and a tag (pod and client proxy). No allocation per event.

export class CompletionHeap {
  private times: Float64Array;
  private arrivals: Float64Array;
  private tags: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(16, capacity));
    this.arrivals = new Float64Array(this.times.length);
    this.tags = new Int32Array(this.times.length);
  }

  topTime(): number {
    return this.size > 0 ? (this.times[0] as number) : Infinity;
  }

  topArrival(): number {
    return this.arrivals[0] as number;
  }

  topTag(): number {
    return this.tags[0] as number;
  }

  push(time: number, arrival: number, tag: number): void {
    if (this.size === this.times.length) this.grow();
    const times = this.times;
    const arrivals = this.arrivals;
    const tags = this.tags;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent] as number;
      if (parentTime <= time) break;
      times[i] = parentTime;
      arrivals[i] = arrivals[parent] as number;
      tags[i] = tags[parent] as number;
      i = parent;
    }
    times[i] = time;
    arrivals[i] = arrival;
    tags[i] = tag;
  }

  pop(): void {
    const times = this.times;
    const arrivals = this.arrivals;
    const tags = this.tags;
    const last = --this.size;
    if (last === 0) return;
    const time = times[last] as number;
    const arrival = arrivals[last] as number;
    const tag = tags[last] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && (times[child + 1] as number) < (times[child] as number)) child++;
      if ((times[child] as number) >= time) break;
      times[i] = times[child] as number;
      arrivals[i] = arrivals[child] as number;
      tags[i] = tags[child] as number;
      i = child;
    }
    times[i] = time;
    arrivals[i] = arrival;
    tags[i] = tag;
  }

  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    this.times = grow(this.times, (n) => new Float64Array(n));
    this.arrivals = grow(this.arrivals, (n) => new Float64Array(n));
    this.tags = grow(this.tags, (n) => new Int32Array(n));
  }
}
