import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { chatErrorsToConnect } from "./error-interceptor";
import { startGrpcServer } from "./grpc-server";
import { connectApi, connectRoutes } from "./internal/connect-adapters";
import { directApi } from "./internal/direct-adapters";
import type { InternalApi } from "./internal/internal-api";
import { serviceCredentialClient, serviceCredentialServer } from "./service-credential";
import { GrpcTransports, type RegisterRoutes } from "./transports";

export interface ServedRpc {
  // What other services dial to reach these routes.
  address: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  // internal: guarded by the service credential (PersistMessage, Deliver).
  internal: boolean;
}

// Where a service exposes its internal ports and how it reaches other services' ports. A
// service never knows whether it runs alone (gRPC over the network) or in the all-in-one
// process (direct function calls, ADR 0030).
export interface RpcHost {
  serveApi<S extends DescService>(name: string, service: S, api: InternalApi<S>, opts: ServeOptions): Promise<ServedRpc>;
  // The port of `service` as served at `address` (what serveApi returned, there or elsewhere).
  api<S extends DescService>(service: S, address: string): InternalApi<S>;
}

function serverInterceptors(secret: string, internal: boolean, extra: Interceptor[] = []): Interceptor[] {
  // Connect applies interceptors outermost first: errors are mapped for everything inside.
  return internal ? [chatErrorsToConnect, serviceCredentialServer(secret), ...extra] : [chatErrorsToConnect, ...extra];
}

export class GrpcRpcHost implements RpcHost {
  readonly transports = new GrpcTransports();
  private readonly credential: Interceptor;

  constructor(
    private readonly host: string,
    private readonly secret: string,
    private readonly advertisedHost = host,
  ) {
    this.credential = serviceCredentialClient(secret);
  }

  serveApi<S extends DescService>(name: string, service: S, api: InternalApi<S>, opts: ServeOptions): Promise<ServedRpc> {
    return this.serve(name, connectRoutes(service, api), opts);
  }

  api<S extends DescService>(service: S, address: string): InternalApi<S> {
    return connectApi(service, this.transports.forAddress(address, [this.credential]));
  }

  // Raw Connect routes on a gRPC port (tests serve stand-ins this way).
  async serve(_name: string, routes: RegisterRoutes, opts: ServeOptions & { interceptors?: Interceptor[] }): Promise<ServedRpc> {
    const server = await startGrpcServer({ host: this.host, port: opts.port, routes, interceptors: serverInterceptors(this.secret, opts.internal, opts.interceptors) });
    return { address: `http://${this.advertisedHost}:${server.port}`, close: () => server.close() };
  }
}

export const INPROC_SCHEME = "inproc://";

// All services in one process: a served port is registered under inproc://<name> and called
// directly. Addresses of another scheme (none in the all-in-one today) still go over gRPC.
export class InProcessRpcHost implements RpcHost {
  private readonly served = new Map<string, unknown>();
  private readonly remote: GrpcRpcHost;

  constructor(secret: string) {
    this.remote = new GrpcRpcHost("127.0.0.1", secret);
  }

  async serveApi<S extends DescService>(name: string, _service: S, api: InternalApi<S>, _opts: ServeOptions): Promise<ServedRpc> {
    const address = `${INPROC_SCHEME}${name}`;
    if (this.served.has(address)) throw new Error(`${address} is already served`);
    this.served.set(address, api);
    return {
      address,
      close: async () => {
        if (this.served.get(address) === api) this.served.delete(address);
      },
    };
  }

  api<S extends DescService>(service: S, address: string): InternalApi<S> {
    if (!address.startsWith(INPROC_SCHEME)) return this.remote.api(service, address);
    // Looked up per call: a service stopped after this was handed out is unreachable, not stale.
    return directApi(service, address, () => this.served.get(address) as InternalApi<S> | undefined);
  }
}
