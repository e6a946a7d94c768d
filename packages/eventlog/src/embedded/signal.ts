// A level-triggered wake-up: wait() resolves on the next notify(), or at once if one came
// since the last wait.
export class Signal {
  private pending = false;
  private waiters: Array<() => void> = [];

  notify(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
