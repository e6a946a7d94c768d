import { connectCentrifuge } from "./centrifuge";
import { connectChat } from "./chat";
import type { Connect } from "./protocol";
import { connectWsBroadcast } from "./ws-broadcast";

export type ProtocolName = "chat" | "ws-broadcast" | "centrifuge";

export const PROTOCOLS: Record<ProtocolName, Connect> = {
  chat: connectChat,
  "ws-broadcast": connectWsBroadcast,
  centrifuge: connectCentrifuge,
};
