// Fixture of tests/deploy/lint.test.ts (ignored by `make lint` itself): each function breaks one
// rule that `make lint` must enforce, so the test can prove that the lint fails on it.

async function work(): Promise<void> {}

// no-floating-promises: a rejection here would be unhandled.
export function floating(): void {
  work();
}

// no-misused-promises: forEach does not wait for (or catch) what the callback returns.
export function misused(items: number[]): void {
  items.forEach(async () => {
    await work();
  });
}
