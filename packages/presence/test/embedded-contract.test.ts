import { describePresenceContract } from "../src/contract";
import { createEmbeddedPresence } from "../src/embedded";

describePresenceContract("embedded", async () => ({ presence: createEmbeddedPresence(), cleanup: async () => {} }));
