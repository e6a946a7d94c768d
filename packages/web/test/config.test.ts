import { expect, test } from "vitest";
import { parseConfig } from "../src/config";

test("config.json: the five fields, resource optional", () => {
  const base = { issuer: "http://127.0.0.1:4400", clientId: "chat-web", apiUrl: "", wsUrl: "ws://127.0.0.1:8080/ws/v1" };
  expect(parseConfig(base)).toEqual({ ...base, resource: undefined });
  expect(parseConfig({ ...base, resource: "urn:chat:api" }).resource).toBe("urn:chat:api");
});

test("config.json: a missing or mistyped field is a clear error", () => {
  expect(() => parseConfig({ clientId: "x", apiUrl: "", wsUrl: "ws://x" })).toThrow('"issuer" must be a string');
  expect(() => parseConfig({ issuer: "x", clientId: 1, apiUrl: "", wsUrl: "ws://x" })).toThrow('"clientId" must be a string');
  expect(() => parseConfig(null)).toThrow(/must be a string/);
});
