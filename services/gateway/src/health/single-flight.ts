// Wraps a periodic task so a run never starts while the previous one is still going: when the
// dependency stalls, ticks are skipped instead of piling up requests on it (issue 10 item 9).
export function singleFlight(task: () => Promise<void>, onSkip: () => void = () => undefined): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    if (running) {
      onSkip();
      return running;
    }
    running = task().finally(() => {
      running = undefined;
    });
    return running;
  };
}
