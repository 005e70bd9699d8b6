/** Milliseconds since the epoch; the services take one so that tests can move time (lockouts, sessions, throttles). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
