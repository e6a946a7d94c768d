import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

// CHAT_GATEWAY_ADVERTISED_ADDRESS=auto: the task's own IPv4 address, the one other tasks reach
// it on (an ECS awsvpc task has exactly one ENI; loopback and link-local are never it).
// Interfaces are taken in the order the OS lists them; undefined when there is none.
export function firstExternalIpv4(interfaces: Interfaces = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254.")) return a.address;
    }
  }
  return undefined;
}
