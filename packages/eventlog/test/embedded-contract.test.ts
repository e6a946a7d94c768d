import { describeEventLogContract } from "../src/contract";
import { createEmbeddedEventLog } from "../src/embedded";

describeEventLogContract("embedded", async () => ({ log: createEmbeddedEventLog(), cleanup: async () => {} }));
