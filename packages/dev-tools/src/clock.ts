/**
 * A clock for the fake Cube's `clock` option that moves only when told to, so a test can run a
 * "30-minute" build in milliseconds.
 *
 * @module
 */

/** A clock that moves only when told to; pass it as `startFakeCube({ clock })`. */
export interface ManualClock {
  /** The current time (epoch ms). */
  now(): number;
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
  /** Sets the time (epoch ms). */
  set(ms: number): void;
}

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
