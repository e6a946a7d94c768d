import { randomUUID } from "node:crypto";
import type { ConnectionRoute } from "../port";

// Ids unique per test, so runs against a shared Redis never collide. They use ':' and '@' on
// purpose: both are valid id characters and must not confuse an adapter's key layout.
export function uniqueId(label: string): string {
  return `${label}:${randomUUID().slice(0, 13)}@contract`;
}

export function route(userId: string, gatewayId: string, connectionId: string): ConnectionRoute {
  return { userId, gatewayId, connectionId };
}

// Route order is not part of the contract; compare sorted.
export function sorted(routes: ConnectionRoute[] | undefined): ConnectionRoute[] {
  return [...(routes ?? [])].sort((a, b) => `${a.gatewayId}|${a.connectionId}`.localeCompare(`${b.gatewayId}|${b.connectionId}`));
}

// Polls until check() holds; the only way these tests wait for a TTL, so a slow adapter is
// given time without fixed sleeps and a broken one fails saying what never happened.
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
