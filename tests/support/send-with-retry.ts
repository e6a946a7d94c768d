// How a real client sends (MISSION sections 2 and 4): a send answered `rate_limited` or
// `unavailable`, or not answered at all, is retried with the SAME client_message_id after the
// server's retry-after (or a capped exponential backoff with jitter when it gave none), so a
// retry can never store a second copy. Any other error is final and thrown.
//
// Shared by the e2e, integration and fault suites: every test that sends in a loop drives the
// system the way the clients do, and does not fail because a busy machine shed load.

export type Frame = Record<string, any>;

// Anything that can send a frame and wait for its answer (WsClient, ChatClient).
export interface Requester {
  request(frame: Frame, timeoutMs?: number): Promise<Frame>;
}

export const RETRYABLE_CODES = new Set(["rate_limited", "unavailable"]);

export interface RetryOptions {
  // Give up (throw SendFailedError) after this long in total.
  deadlineMs?: number;
  // How long one attempt waits for its answer before it counts as unanswered.
  attemptTimeoutMs?: number;
  // Called once per failed attempt (error code, "code/cause" when the server named the failing
  // dependency, or "timeout" / "disconnected").
  onRetry?: (code: string, waitMs: number) => void;
}

export class SendFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SendFailedError";
  }
}

// A connection that is gone: the attempt may or may not have reached the server, so the caller
// reconnects and retries with the same client_message_id.
export class DisconnectedError extends Error {
  constructor(message = "connection closed") {
    super(message);
    this.name = "DisconnectedError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Base of the backoff when the server gave no retry-after; doubled per attempt up to MAX.
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2000;

export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random = Math.random): number {
  const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
  const base = retryAfterMs && retryAfterMs > 0 ? retryAfterMs : backoff;
  // Jitter spreads the retries of many clients told the same retry-after.
  return Math.round(base + base * 0.2 * random());
}

function classify(e: unknown): string {
  if (e instanceof DisconnectedError) return "disconnected";
  const msg = e instanceof Error ? e.message : String(e);
  if (/closed/.test(msg)) return "disconnected";
  if (/timed out/.test(msg)) return "timeout";
  throw e;
}

// Sends any request frame and returns the first answer that is not a retryable error (a sync or
// read is throttled like a send). `requester` may be a function so a reconnecting client can
// hand out its current connection on every attempt.
export async function requestWithRetry(requester: Requester | (() => Promise<Requester>), frame: Frame, opts: RetryOptions = {}): Promise<Frame> {
  const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
  const attemptTimeout = opts.attemptTimeoutMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    let code: string;
    let retryAfterMs: number | undefined;
    try {
      const conn = typeof requester === "function" ? await requester() : requester;
      const reply = await conn.request(frame, attemptTimeout);
      if (!reply.error || !RETRYABLE_CODES.has(String(reply.error.code))) return reply;
      // The gateway may say which dependency failed (e.g. unavailable / ingest_overloaded).
      code = reply.error.cause ? `${reply.error.code}/${reply.error.cause}` : String(reply.error.code);
      retryAfterMs = Number(reply.error.retryAfterMs ?? 0);
    } catch (e) {
      code = classify(e);
    }
    const wait = retryDelayMs(attempt, retryAfterMs);
    opts.onRetry?.(code, wait);
    if (Date.now() + wait > deadline) throw new SendFailedError(code, `${Object.keys(frame).join(",")} not answered before the deadline (last: ${code})`);
    await sleep(wait);
  }
}

// Sends one message and returns its message_ack; a final error is thrown as SendFailedError.
export async function sendWithRetry(
  requester: Requester | (() => Promise<Requester>),
  send: { chatId: string; clientMessageId: string; body: string; contentType?: string },
  opts: RetryOptions = {},
): Promise<Frame> {
  const reply = await requestWithRetry(requester, { sendMessage: send }, opts);
  if (reply.messageAck) return reply.messageAck;
  const code = String(reply.error?.code ?? "no_ack");
  throw new SendFailedError(code, `send ${send.clientMessageId} failed: ${code} ${reply.error?.message ?? JSON.stringify(reply)}`);
}
