/**
 * Runs `stop` on the first SIGINT, SIGTERM or SIGHUP, then exits: 0 when it finished, 1 when it threw. A
 * signal while stopping is logged and otherwise ignored, so a second Ctrl-C cannot cut the shutdown short
 * and leave the embedded database's folder behind.
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>, log: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal}: already stopping`);
      return;
    }
    stopping = true;
    log(`${signal}: stopping`);
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}
