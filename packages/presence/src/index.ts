export type { Presence, ConnectionRoute, UserIdSet } from "./port";
