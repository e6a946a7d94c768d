import { Code, ConnectError } from "@connectrpc/connect";
import { ChatError, ERROR_CODES } from "@chat/domain";
import { ERROR_CODE_TRAILER, fromConnectError, HTTP_STATUS, toConnectError } from "../src/error-mapping";

// What a caller sees when the peer's connection drops mid-call, as connect-node reports it.
function transportError(nodeCode: string, grpc: Code): ConnectError {
  const cause = Object.assign(new Error(`socket ${nodeCode}`), { code: nodeCode });
  return new ConnectError(`[${Code[grpc]}] ${cause.message}`, grpc, undefined, undefined, cause);
}

describe("errors without a chat-error-code trailer (raised by the transport, not by a handler)", () => {
  it.each([
    ["a reset connection (connect-node: Aborted)", transportError("ECONNRESET", Code.Aborted)],
    ["a destroyed stream (connect-node: Aborted)", transportError("ERR_STREAM_DESTROYED", Code.Aborted)],
    ["an HTTP/2 CANCEL from the peer (Canceled)", new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled)],
    ["a refused connection (Unavailable)", transportError("ECONNREFUSED", Code.Unavailable)],
    ["a reset read (connect-node client: Internal with an ECONNRESET cause)", transportError("ECONNRESET", Code.Internal)],
    ["a broken pipe while writing the request", transportError("EPIPE", Code.Internal)],
    ["a GOAWAY'd HTTP/2 session", transportError("ERR_HTTP2_GOAWAY_SESSION", Code.Internal)],
  ])("%s is unavailable, never conflict", (_name, e) => {
    expect(fromConnectError(e).code).toBe("unavailable");
  });

  it.each([
    [Code.InvalidArgument, "invalid_argument"],
    [Code.Unauthenticated, "unauthenticated"],
    [Code.PermissionDenied, "permission_denied"],
    [Code.NotFound, "not_found"],
    [Code.AlreadyExists, "already_exists"],
    [Code.FailedPrecondition, "failed_precondition"],
    [Code.ResourceExhausted, "rate_limited"],
    [Code.DeadlineExceeded, "deadline_exceeded"],
    [Code.Internal, "internal"],
    [Code.Unknown, "internal"],
    [Code.DataLoss, "internal"],
  ])("bare gRPC %s maps to %s", (grpc, code) => {
    expect(fromConnectError(new ConnectError("x", grpc)).code).toBe(code);
  });

  it("a raw socket error that never went through Connect is unavailable too", () => {
    expect(fromConnectError(Object.assign(new Error("boom"), { code: "EPIPE" })).code).toBe("unavailable");
  });

  it("an Internal error without a transport cause stays internal", () => {
    expect(fromConnectError(new ConnectError("bug", Code.Internal, undefined, undefined, new TypeError("x"))).code).toBe("internal");
  });

  it("a handler's domain error keeps its code even if a transport error is in its cause chain", () => {
    const ce = toConnectError(new ChatError("conflict", "race", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) }));
    expect(fromConnectError(ce).code).toBe("conflict");
  });
});

describe("domain errors travel in the trailer and survive the round trip", () => {
  it.each(ERROR_CODES.map((c) => [c]))("%s", (code) => {
    const back = fromConnectError(toConnectError(new ChatError(code, "why", { retryAfterMs: 1500, details: { field: "x" } })));
    expect(back.code).toBe(code);
    expect(back.retryAfterMs).toBe(1500);
    expect(back.details).toEqual({ field: "x" });
    expect(back.message).toBe("why");
  });

  it("a genuine domain conflict (Aborted + trailer) stays conflict", () => {
    const ce = toConnectError(new ChatError("conflict", "seq race"));
    expect(ce.code).toBe(Code.Aborted);
    expect(ce.metadata.get(ERROR_CODE_TRAILER)).toBe("conflict");
    expect(fromConnectError(ce).code).toBe("conflict");
  });

  it("an unknown trailer value falls back to the gRPC status", () => {
    const ce = new ConnectError("x", Code.Aborted, new Headers({ [ERROR_CODE_TRAILER]: "made_up" }));
    expect(fromConnectError(ce).code).toBe("unavailable");
  });

  it("a non-domain exception becomes a bare internal error whose text does not leak", () => {
    const ce = toConnectError(new RangeError("Invalid string length"));
    expect(ce.code).toBe(Code.Internal);
    expect(ce.rawMessage).toBe("internal error");
  });
});

describe("status tables", () => {
  it.each([
    ["message_too_large", 413, Code.ResourceExhausted],
    ["quota_exceeded", 429, Code.ResourceExhausted],
    ["failed_precondition", 409, Code.FailedPrecondition],
    ["rate_limited", 429, Code.ResourceExhausted],
    ["unavailable", 503, Code.Unavailable],
  ] as const)("%s → HTTP %i, gRPC %s", (code, http, grpc) => {
    expect(HTTP_STATUS[code]).toBe(http);
    expect(toConnectError(new ChatError(code, "m")).code).toBe(grpc);
  });
});
