import { createRouterTransport, type ConnectRouter, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

export type RegisterRoutes = (router: ConnectRouter) => void;

// How one service reaches another by address. Distributed: gRPC over HTTP/2. All-in-one: the
// same Connect clients over an in-process router transport, so the calls still go through
// serialization, interceptors and the service credential, only without sockets.
export interface TransportFactory {
  forAddress(address: string, interceptors?: Interceptor[]): Transport;
}

export class GrpcTransports implements TransportFactory {
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

export const INPROC_SCHEME = "inproc://";

export class InProcessNetwork implements TransportFactory {
  private readonly services = new Map<string, { routes: RegisterRoutes; serverInterceptors: Interceptor[] }>();
  private readonly fallback = new GrpcTransports();

  register(address: string, routes: RegisterRoutes, serverInterceptors: Interceptor[]): void {
    this.services.set(address, { routes, serverInterceptors });
  }

  unregister(address: string): void {
    this.services.delete(address);
  }

  forAddress(address: string, interceptors: Interceptor[] = []): Transport {
    if (!address.startsWith(INPROC_SCHEME)) return this.fallback.forAddress(address, interceptors);
    const svc = this.services.get(address);
    if (!svc) throw new Error(`nothing is registered at ${address}`);
    return createRouterTransport(svc.routes, { transport: { interceptors }, router: { interceptors: svc.serverInterceptors } });
  }
}
