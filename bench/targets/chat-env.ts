// Settings the bench gives our servers (all-in-one and distributed alike). The load comes from
// one loopback address and a few users send far more than a person would, so the per-IP and
// per-user abuse limits are lifted; everything else (queues, buffers, deadlines) keeps its
// default. Kept to variables that exist since the baseline commit, so the same bench measures
// old and new code.
export const CHAT_BENCH_ENV: Record<string, string> = {
  CHAT_LOG_LEVEL: "warn",
  CHAT_OIDC_ALLOW_HTTP: "true",
  CHAT_WS_CONNECT_RATE_PER_IP: "100000:100000",
  CHAT_MAX_UNAUTHENTICATED_PER_IP: "1000000",
  CHAT_API_REQUESTS_PER_SECOND_PER_IP: "1000000",
  CHAT_API_BURST_PER_IP: "1000000",
  CHAT_API_REQUESTS_PER_SECOND_PER_USER: "1000000",
  CHAT_API_BURST_PER_USER: "1000000",
  // A 10,000-member chat is created in one request.
  CHAT_API_MAX_REQUEST_BYTES: String(4 * 1024 * 1024),
  CHAT_SENDS_PER_SECOND: "100000",
  CHAT_SEND_BURST: "100000",
  CHAT_USER_SENDS_PER_SECOND: "100000",
  CHAT_USER_SEND_BURST: "100000",
  CHAT_SYNC_RATE: "100000:100000",
  CHAT_USER_SYNC_RATE: "100000:100000",
};
