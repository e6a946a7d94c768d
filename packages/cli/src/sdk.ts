import { ChatClient, ChatClientError, nodeWebSocket, type ChatApi } from "@chat/client/node";
import { CliError, EXIT, exitCodeForServerError } from "./exit-codes";
import type { Context } from "./context";

// The SDK, set up from the stored session: the WebSocket client (not connected until asked) and
// its chat-management API client. Tokens come from the session, refreshed on use.
export function openClient(ctx: Context, opts: { autoMarkDelivered?: boolean } = {}): ChatClient {
  const s = ctx.tokens.session();
  return new ChatClient({
    url: s.wsUrl,
    apiUrl: s.apiUrl,
    webSocket: nodeWebSocket,
    token: ({ reason }) => ctx.tokens.accessToken(reason === "expired"),
    untrackedChats: "ignore",
    autoMarkDelivered: opts.autoMarkDelivered ?? true,
  });
}

export function api(ctx: Context): ChatApi {
  return openClient(ctx).api;
}

// Any error from the SDK or the token source as a CliError with the right exit code. The cause
// chain is searched: Connect wraps errors thrown inside its interceptors (the SDK's typed
// errors included) in a ConnectError of its own.
export function toCliError(e: unknown, what: string): CliError {
  const links: unknown[] = [];
  for (let c: unknown = e; c && links.length < 8; c = (c as { cause?: unknown }).cause) links.push(c);
  const cli = links.find((x) => x instanceof CliError);
  if (cli) return cli;
  const network = links.find((x) => (x instanceof TypeError && /fetch failed/.test(x.message)) || ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH"].includes((x as { code?: string }).code ?? ""));
  if (network) {
    const code = (links.find((x) => typeof (x as { code?: unknown }).code === "string" && (x as { code: string }).code.startsWith("E")) as { code?: string } | undefined)?.code;
    return new CliError(EXIT.unavailable, `${what}: cannot reach the server${code ? ` (${code})` : ""}`);
  }
  const typed = (links.find((x) => x instanceof ChatClientError && x.code !== "internal") ?? links.find((x) => x instanceof ChatClientError)) as ChatClientError | undefined;
  if (typed) {
    const code = typed.code === "closed" || typed.code === "not_connected" || typed.code === "timeout" ? EXIT.unavailable : exitCodeForServerError(typed.code);
    return new CliError(code, `${what}: ${typed.message} (${typed.code})`, code === EXIT.auth ? "run: chat login" : undefined);
  }
  return new CliError(EXIT.internal, `${what}: ${(e as Error)?.message ?? String(e)}`);
}

// Connects for a one-shot command. Gives up (instead of retrying forever like an app would)
// when the token is refused twice or the server cannot be reached in time.
export async function connectOnce(client: ChatClient, timeoutMs: number): Promise<void> {
  let authFailures = 0;
  let lastProblem = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CliError(EXIT.unavailable, `cannot connect to ${client.hello ? "the server" : "the WebSocket endpoint"} within ${timeoutMs / 1000} s${lastProblem ? ` (${lastProblem})` : ""}`)), timeoutMs);
    const offError = client.on("error", (e) => {
      if (e.cause instanceof CliError) return done(e.cause);
      lastProblem = e.message;
      if ((e.code === "unauthenticated" || e.code === "token_expired") && ++authFailures >= 2) done(new CliError(EXIT.auth, `the server refused the token: ${e.message}`, "run: chat login"));
    });
    const offState = client.on("state", (s) => {
      if (s.reason) lastProblem = s.reason;
    });
    const done = (err?: CliError) => {
      clearTimeout(timer);
      offError();
      offState();
      if (err) reject(err);
      else resolve();
    };
    client.connect().then(
      () => done(),
      (e) => done(toCliError(e, "connect")),
    );
  });
}
