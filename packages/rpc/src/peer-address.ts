import { createContextKey, type HandlerContext } from "@connectrpc/connect";

// The client's network address as the server socket saw it, for per-IP rate limits. Network
// servers always set it as a context value, so a header a client sends cannot override it.
export const peerAddressKey = createContextKey<string | undefined>(undefined, { description: "peer address" });

// In-process callers (the REST front calling handlers over the router transport, which does not
// carry context values) pass the address they saw in this header instead.
export const PEER_ADDRESS_HEADER = "x-chat-peer-address";

export function peerAddressOf(req: { contextValues: HandlerContext["values"]; header: Headers }): string | undefined {
  return req.contextValues.get(peerAddressKey) ?? req.header.get(PEER_ADDRESS_HEADER) ?? undefined;
}
