// Token bucket: `ratePerSec` tokens refill continuously up to `burst`. Pure; the clock (integer
// milliseconds) is passed in. Credit is counted in thousandths of a token, so refill over whole
// milliseconds is exact integer arithmetic for whole-number rates: no floating-point drift refuses
// a client that stays within its rate. (Fractional rates, e.g. 0.5/s, are for slow limits where a
// rounding error of a millionth of a token does not matter.)
export class TokenBucket {
  private credit: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSec: number,
    burst: number,
    now: number,
  ) {
    this.capacity = burst * 1000;
    this.credit = this.capacity;
    this.last = now;
  }

  // 0 when a token was taken, otherwise the milliseconds until one is available.
  take(now: number): number {
    if (now > this.last) {
      // ms * tokens/s = thousandths of a token.
      this.credit = Math.min(this.capacity, this.credit + (now - this.last) * this.ratePerSec);
      this.last = now;
    }
    if (this.credit >= 1000) {
      this.credit -= 1000;
      return 0;
    }
    return Math.ceil((1000 - this.credit) / this.ratePerSec);
  }
}
