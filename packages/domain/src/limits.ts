// Normative defaults of ADR-009; every one is configurable (see @chat/config).
export const DEFAULT_LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxFrameBytes: 128 * 1024,
  sendsPerSecond: 10,
  sendBurst: 20,
  outboundBufferMessages: 1000,
  ingestDeadlineMs: 5000,
  heartbeatIntervalMs: 30_000,
  missedHeartbeatsBeforeClose: 2,
  authTimeoutMs: 5000,
  drainTimeoutMs: 30_000,
  syncDefaultLimit: 50,
  syncMaxLimit: 100,
  maxIdLength: 128,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };
