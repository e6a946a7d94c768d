import type { ConnectRouter, Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

export type RegisterRoutes = (router: ConnectRouter) => void;

// gRPC over HTTP/2 to another service, one transport (HTTP/2 session) per address.
export class GrpcTransports {
  private readonly cache = new Map<string, Transport>();

  forAddress(address: string, interceptors: Interceptor[] = []): Transport {
    const baseUrl = address.includes("://") ? address : `http://${address}`;
    let t = this.cache.get(baseUrl);
    if (!t) {
      // No compression between services: connect-node's client accepts gzip by default, so the
      // callee gzipped every response over 1 KiB (a PersistMessages answer of a few sends) and
      // the caller gunzipped it: ~5 % of both processes' CPU under load, to save bytes on a
      // loopback or data-centre link (ADR 0035). The server still accepts compressed requests.
      t = createGrpcTransport({ baseUrl, interceptors, acceptCompression: [] });
      this.cache.set(baseUrl, t);
    }
    return t;
  }
}
