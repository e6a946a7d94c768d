import { runService } from "@chat/wiring";
import { start } from "./start";

await runService("ingest", ({ config, logger, metrics }) => start(config, { logger, metrics }));
