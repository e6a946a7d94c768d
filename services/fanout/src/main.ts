import { runService } from "@chat/wiring";
import { start } from "./start";

await runService("fanout", ({ config, logger, metrics }) => start(config, { logger, metrics }));
