export type { Presence, ConnectionRoute } from "./port";
