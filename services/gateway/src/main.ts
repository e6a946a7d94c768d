import { runService } from "@chat/wiring";
import { start } from "./start";

await runService("gateway", ({ config, logger, metrics }) => start(config, { logger, metrics }));
