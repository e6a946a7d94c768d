import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

// A TCP proxy in front of the gateway that a test can break the way networks break: `cut()`
// resets every connection (no WebSocket close frame reaches either side), `blackhole()` keeps
// the sockets open but silently drops every byte (a half-open path, as after a NAT timeout).
export class TcpProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  cuts = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private targetPort: number,
  ) {}

  static async start(targetPort: number, host = "127.0.0.1"): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const proxy = new TcpProxy(server, (server.address() as AddressInfo).port, targetPort);
    server.on("connection", (client) => {
      const upstream = connect(proxy.targetPort, host);
      const pair = { client, upstream };
      proxy.pairs.add(pair);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk) => {
          if (!to.destroyed) to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        proxy.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", end).on("error", end);
      upstream.on("close", end).on("error", end);
    });
    return proxy;
  }

  url(scheme = "ws", path = "/ws/v1"): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  // New connections go to another port (a restarted server), like a load balancer's target.
  retarget(port: number): void {
    this.targetPort = port;
  }

  get connections(): number {
    return this.pairs.size;
  }

  // Resets every proxied connection: TCP RST to both sides, no close frame.
  cut(): void {
    this.cuts++;
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
  }

  // Stops forwarding on the current connections (they stay open); new connections work.
  blackhole(): void {
    // A flowing socket without a data listener discards what it reads.
    for (const p of this.pairs) {
      p.client.removeAllListeners("data");
      p.upstream.removeAllListeners("data");
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
