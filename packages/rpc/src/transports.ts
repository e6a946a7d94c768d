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
      t = createGrpcTransport({ baseUrl, interceptors });
      this.cache.set(baseUrl, t);
    }
    return t;
  }
}
