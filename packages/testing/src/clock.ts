/**
 * The fake Cube's time source: real time by default, or the test's own clock (`FakeCubeOptions.clock`).
 *
 * @module
 */
import type { FakeCubeOptions } from './fake-cube.js';

/** A source of the current time in epoch milliseconds. */
export type FakeClock = NonNullable<FakeCubeOptions['clock']>;

/** The machine's clock. */
export const realClock: FakeClock = { now: () => Date.now() };
