export { toConnectError, fromConnectError, HTTP_STATUS, ERROR_CODE_TRAILER } from "./error-mapping";
export { serviceCredentialClient, serviceCredentialServer } from "./service-credential";
export { chatErrorsToConnect } from "./error-interceptor";
export { GrpcTransports, InProcessNetwork, INPROC_SCHEME, type TransportFactory, type RegisterRoutes } from "./transports";
export { startGrpcServer, type RunningGrpcServer } from "./grpc-server";
export { GrpcRpcHost, InProcessRpcHost, type RpcHost, type ServedRpc } from "./rpc-host";
export { readBody } from "./http-body";
export { createConnectHttpHandler, type ConnectHttpOptions } from "./connect-http-handler";
export { peerAddressKey, peerAddressOf, PEER_ADDRESS_HEADER } from "./peer-address";
