import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ChatMgmtService } from "@chat/proto";
import { ChatClientError, type ChatClientErrorCode } from "../errors";
import type { TokenSource } from "../auth/token-source";

// The chat-management API (create chat, list chats, members, history, receipts): the generated
// Connect client of messaging.v1.ChatMgmtService, so every request and response type is the
// proto's. Errors are ChatClientErrors with the server's stable code.
export type ChatApi = Client<typeof ChatMgmtService>;

export interface ChatApiOptions {
  // Where chatmgmt serves Connect (the REST port), e.g. http://127.0.0.1:8081.
  baseUrl: string;
  // Defaults to the global fetch (browsers, Node 20).
  fetch?: typeof globalThis.fetch;
  // Per-call timeout; defaults to 15 s.
  timeoutMs?: number;
}

const FROM_CONNECT: Partial<Record<Code, ChatClientErrorCode>> = {
  [Code.InvalidArgument]: "invalid_argument",
  [Code.Unauthenticated]: "unauthenticated",
  [Code.PermissionDenied]: "permission_denied",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.Aborted]: "conflict",
  [Code.ResourceExhausted]: "rate_limited",
  [Code.Unavailable]: "unavailable",
  [Code.DeadlineExceeded]: "deadline_exceeded",
};

// The server puts the stable code and retry hint in these headers/trailers (docs/api.md).
const CODE_HEADER = "chat-error-code";
const RETRY_HEADER = "chat-retry-after-ms";

export function toChatClientError(e: unknown): ChatClientError {
  if (e instanceof ChatClientError) return e;
  const ce = ConnectError.from(e);
  const named = ce.metadata.get(CODE_HEADER);
  const code = (named ?? FROM_CONNECT[ce.code] ?? "internal") as ChatClientErrorCode;
  const retry = ce.metadata.get(RETRY_HEADER);
  return new ChatClientError(code, ce.rawMessage, { retryAfterMs: retry ? Number(retry) : undefined, cause: ce });
}

// Bearer token from the shared token source; a 401 fetches a fresh token and retries once.
function bearer(tokens: TokenSource): Interceptor {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${await tokens.get()}`);
    try {
      return await next(req);
    } catch (e) {
      const err = toChatClientError(e);
      if ((err.code !== "unauthenticated" && err.code !== "token_expired") || req.stream) throw e;
      tokens.invalidate("expired");
      req.header.set("authorization", `Bearer ${await tokens.get()}`);
      return await next(req);
    }
  };
}

export function createChatApi(tokens: TokenSource, opts: ChatApiOptions): ChatApi {
  const transport = createConnectTransport({
    baseUrl: opts.baseUrl,
    fetch: opts.fetch,
    defaultTimeoutMs: opts.timeoutMs ?? 15_000,
    interceptors: [bearer(tokens)],
  });
  const client = createClient(ChatMgmtService, transport);
  // Connect wraps whatever an interceptor throws into a ConnectError, so the conversion to the
  // typed error happens here, around each (unary) method.
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(client as Record<string, (...args: unknown[]) => Promise<unknown>>)) {
    wrapped[name] = (...args: unknown[]) =>
      method(...args).catch((e: unknown) => {
        throw toChatClientError(e);
      });
  }
  return wrapped as ChatApi;
}
