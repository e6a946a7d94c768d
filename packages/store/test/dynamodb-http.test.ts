import { httpHandlerOptions, MAX_SOCKETS } from "../src/dynamodb/http";

// The integration test (test/integration/dynamodb-timeouts.test.ts) shows the behaviour on a
// paused DynamoDB Local; this pins the options that produce it.
test("the DynamoDB HTTP handler enforces its request timeout and keeps bounded keep-alive sockets", () => {
  const o = httpHandlerOptions({ connectionTimeoutMs: 1000, requestTimeoutMs: 3000 });
  expect(o).toMatchObject({ connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true });
  for (const agent of [o.httpAgent, o.httpsAgent]) expect(agent).toMatchObject({ keepAlive: true, maxSockets: MAX_SOCKETS });
  expect(MAX_SOCKETS).toBeGreaterThan(0);
});
