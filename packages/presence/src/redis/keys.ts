import type { ConnectionRoute } from "../port";

// Ids are validated to [A-Za-z0-9_-.:@] upstream, so they never contain `{`, `}` or `|`:
// - `{userId}` is a complete Redis Cluster hash tag, and a user id holding `:` cannot make one
//   user's key collide with another's because the braces delimit it;
// - `|` separates gateway and connection id in a member unambiguously.
export class RedisPresenceKeys {
  constructor(private readonly prefix: string) {}

  userConnections(userId: string): string {
    return `${this.prefix}user:{${userId}}:conns`;
  }

  // A set of the users listed online in the chat (ADR 0025).
  chatOnline(chatId: string): string {
    return `${this.prefix}chat:{${chatId}}:online`;
  }

  // The users online and its counter (ADR 0036), in one slot.
  onlineUsers(): string {
    return `${this.prefix}{online}:users`;
  }

  onlineSeq(): string {
    return `${this.prefix}{online}:seq`;
  }

  gateway(gatewayId: string): string {
    return `${this.prefix}gateway:{${gatewayId}}`;
  }
}

const SEPARATOR = "|";

export function encodeMember(route: ConnectionRoute): string {
  if (route.gatewayId.includes(SEPARATOR)) throw new RangeError(`gateway id must not contain "${SEPARATOR}": ${route.gatewayId}`);
  return `${route.gatewayId}${SEPARATOR}${route.connectionId}`;
}

export function decodeMember(userId: string, member: string): ConnectionRoute {
  const at = member.indexOf(SEPARATOR);
  return { userId, gatewayId: member.slice(0, at), connectionId: member.slice(at + 1) };
}
