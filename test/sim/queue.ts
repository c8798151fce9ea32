// A min-heap of events on virtual time; ties run in insertion order, so a
// seed replays exactly.

export interface Event {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

export interface Queue {
  push(at: number, run: () => void): void;
  pop(): Event | undefined;
  readonly size: () => number;
}

const before = (a: Event, b: Event): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export function queue(): Queue {
  const heap: Event[] = [];
  let seq = 0;
  const swap = (i: number, j: number): void => {
    const t = heap[i] as Event;
    heap[i] = heap[j] as Event;
    heap[j] = t;
  };
  return {
    push(at, run) {
      if (!Number.isFinite(at)) throw new Error(`event at ${at}`);
      heap.push({ at, seq: seq++, run });
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!before(heap[i] as Event, heap[p] as Event)) break;
        swap(i, p);
        i = p;
      }
    },
    pop() {
      const top = heap[0];
      const last = heap.pop();
      if (top === undefined || last === undefined || heap.length === 0) return top;
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Event, heap[m] as Event)) m = l;
        if (r < heap.length && before(heap[r] as Event, heap[m] as Event)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
      return top;
    },
    size: () => heap.length,
  };
}
