/**
 * How many HTTP requests this process is working on right now (counted by the HTTP platform). Background work
 * that competes with requests for the CPU (webhook processing in an `all` process) reads it to step back while
 * requests queue up.
 */
let inFlight = 0;

export const requestLoad = {
  started: (): void => {
    inFlight += 1;
  },
  finished: (): void => {
    inFlight -= 1;
  },
  inFlight: (): number => inFlight,
};
