import { runService } from "@chat/wiring";
import { start } from "./start";

await runService("chatmgmt", ({ config, logger, metrics }) => start(config, { logger, metrics }));
