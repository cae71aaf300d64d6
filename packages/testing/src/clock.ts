/**
 * Clocks for the fake Cube: real time by default, or a manual clock so a test can run a
 * "30-minute" build in milliseconds.
 *
 * @module
 */

/** A source of the current time in epoch milliseconds. */
export interface FakeClock {
  /** The current time (epoch ms). */
  now(): number;
}

/** A clock that moves only when told to. */
export interface ManualClock extends FakeClock {
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
  /** Sets the time (epoch ms). */
  set(ms: number): void;
}

/** The machine's clock. */
export const realClock: FakeClock = { now: () => Date.now() };

/** Creates a {@link ManualClock} starting at `startMs` (default: now). */
export function createManualClock(startMs = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      if (ms < 0) throw new RangeError('a clock cannot go backwards');
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
