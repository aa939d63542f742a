/**
 * The per-token rate limit: a token bucket per token, refilled continuously at `perMinute` requests a
 * minute and holding at most `perMinute` (so a quiet token may burst up to a minute's worth). Kept in the
 * memory of each server: with several servers behind a load balancer a token gets up to `perMinute` on
 * each.
 *
 * @module
 */

/** Token buckets per key. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /**
   * Takes one request from `key`'s bucket. Returns 0 when allowed, else the seconds until the next
   * request would be (Retry-After).
   */
  take(key: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }
}
