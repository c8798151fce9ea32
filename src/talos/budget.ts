// What peers may make the agent hold in memory. Per call, channel.ts caps
// messages and bytes; this is the cap on their sum across every call to
// every peer at once, so a crowd of misbehaving peers, each within its own
// limits, still cannot add up to more than a fixed share of the heap.

/**
 * MAX_IN_FLIGHT_BYTES: reply bytes held at once, all peers together. The
 * largest honest reply is well under 1 MiB (channel.ts MAX_MESSAGE_BYTES),
 * so 16 MiB holds sixteen of those at the same moment, more than a cluster's
 * control planes ever send together; it is a quarter of the 64 MiB old space
 * the service runs with (extension/autobootstrap.yaml NODE_OPTIONS).
 */
export const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

export interface ByteBudget {
  /** Reserves n bytes; false (and nothing reserved) when that would pass the limit. */
  take(n: number): boolean;
  /** Returns n bytes taken earlier. */
  give(n: number): void;
  readonly used: number;
  readonly limit: number;
}

export function createByteBudget(limit: number): ByteBudget {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`budget limit must be a positive integer, got ${limit}`);
  let used = 0;
  return {
    take(n) {
      if (used + n > limit) return false;
      used += n;
      return true;
    },
    give(n) {
      used -= n;
      // Giving back more than was taken is a bug of ours, not a peer's.
      if (used < 0) throw new Error(`byte budget returned ${-used} bytes more than it lent`);
    },
    get used() {
      return used;
    },
    limit,
  };
}

/** The one budget every channel of this process draws from. */
export const inFlight: ByteBudget = createByteBudget(MAX_IN_FLIGHT_BYTES);
