import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { createContextValues, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { peerAddressKey } from "./peer-address";
import type { RegisterRoutes } from "./transports";

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

// In-flight calls get this long to finish when the server closes.
const CLOSE_GRACE_MS = 5000;

// gRPC's own default receive limit. Internal messages (a Deliver batch) stay far below it.
const DEFAULT_READ_MAX_BYTES = 4 * 1024 * 1024;

// Plaintext HTTP/2 serving gRPC only. The Connect protocol is served on chatmgmt's HTTP/1.1 port,
// behind checks Connect itself does not make (connect-http-handler.ts); here it would skip them,
// so a Connect or gRPC-Web request is answered 415.
export async function startGrpcServer(opts: {
  host: string;
  port: number;
  routes: RegisterRoutes;
  interceptors: Interceptor[];
  // Largest request message, enforced after decompression too (grpc-encoding / content-encoding
  // gzip): Connect's default is 4 GiB, i.e. a small gzip bomb inflates without bound.
  readMaxBytes?: number;
}): Promise<RunningGrpcServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes: opts.routes,
    interceptors: opts.interceptors,
    readMaxBytes: opts.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
    // As on REST and the WebSocket: a field the schema does not have is an error, not ignored.
    jsonOptions: { ignoreUnknownFields: false },
    contextValues: (req) => createContextValues().set(peerAddressKey, req.socket.remoteAddress),
  });
  const server: Http2Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // Past the grace, sessions still open are cut: a client that keeps a stream half open
        // (e.g. one whose oversized request was refused before its body was read) would
        // otherwise hold the graceful close forever.
        const force = setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Let in-flight streams finish, then end idle sessions so close() can complete.
        for (const s of sessions) s.close();
      }),
  };
}
