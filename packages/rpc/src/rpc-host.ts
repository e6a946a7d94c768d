import type { Interceptor } from "@connectrpc/connect";
import { chatErrorsToConnect } from "./error-interceptor";
import { startGrpcServer } from "./grpc-server";
import { serviceCredentialServer } from "./service-credential";
import { GrpcTransports, InProcessNetwork, INPROC_SCHEME, type RegisterRoutes, type TransportFactory } from "./transports";

export interface ServedRpc {
  // What other services dial to reach these routes.
  address: string;
  close(): Promise<void>;
}

// Where a service exposes its RPCs and how it reaches others. A service never knows whether it
// runs alone (gRPC over the network) or in the all-in-one process (in-process transport).
export interface RpcHost {
  readonly transports: TransportFactory;
  // internal: guarded by the service credential (PersistMessage, Deliver).
  serve(name: string, routes: RegisterRoutes, opts: { port: number; internal: boolean; interceptors?: Interceptor[] }): Promise<ServedRpc>;
}

function serverInterceptors(secret: string, internal: boolean, extra: Interceptor[] = []): Interceptor[] {
  // Connect applies interceptors outermost first: errors are mapped for everything inside.
  return internal ? [chatErrorsToConnect, serviceCredentialServer(secret), ...extra] : [chatErrorsToConnect, ...extra];
}

export class GrpcRpcHost implements RpcHost {
  readonly transports = new GrpcTransports();

  constructor(
    private readonly host: string,
    private readonly secret: string,
    private readonly advertisedHost = host,
  ) {}

  async serve(_name: string, routes: RegisterRoutes, opts: { port: number; internal: boolean; interceptors?: Interceptor[] }): Promise<ServedRpc> {
    const server = await startGrpcServer({ host: this.host, port: opts.port, routes, interceptors: serverInterceptors(this.secret, opts.internal, opts.interceptors) });
    return { address: `http://${this.advertisedHost}:${server.port}`, close: () => server.close() };
  }
}

export class InProcessRpcHost implements RpcHost {
  readonly transports: InProcessNetwork;

  constructor(
    private readonly secret: string,
    network = new InProcessNetwork(),
  ) {
    this.transports = network;
  }

  async serve(name: string, routes: RegisterRoutes, opts: { port: number; internal: boolean; interceptors?: Interceptor[] }): Promise<ServedRpc> {
    const address = `${INPROC_SCHEME}${name}`;
    this.transports.register(address, routes, serverInterceptors(this.secret, opts.internal, opts.interceptors));
    return { address, close: async () => this.transports.unregister(address) };
  }
}
