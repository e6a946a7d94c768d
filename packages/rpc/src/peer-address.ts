import { createContextKey } from "@connectrpc/connect";

// The client's network address as the server socket saw it. Set by the servers, never from a
// request header, so it cannot be spoofed for per-IP rate limits.
export const peerAddressKey = createContextKey<string | undefined>(undefined, { description: "peer address" });
