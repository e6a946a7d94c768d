import Provider from "oidc-provider";
import * as client from "openid-client";
import * as jose from "jose";
test("esm loads", () => {
  expect(typeof Provider).toBe("function");
  expect(typeof client.discovery).toBe("function");
  expect(typeof jose.jwtVerify).toBe("function");
});
