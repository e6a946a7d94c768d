import { join } from "node:path";
import { startChatMgmt, type RunningChatMgmt } from "@chat/chatmgmt";
import { loadConfig, type Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { startFanout } from "@chat/fanout";
import { startGateway, type RunningGateway } from "@chat/gateway";
import { startIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry, type Logger } from "@chat/observability";
import { InProcessRpcHost } from "@chat/rpc";
import { createEventLog, createPresence, createStore, createVerifier } from "@chat/wiring";

export interface AllInOne {
  config: Config;
  issuer: string;
  devIssuer?: DevIssuer;
  gateway: RunningGateway;
  chatmgmt: RunningChatMgmt;
  // The event log the services share (inspection and fault injection in tests).
  eventLog: EventLog;
  logger: Logger;
  stop(): Promise<void>;
}

// All four services in one process, wired to embedded stand-ins (unless the configuration
// names real ones) and calling each other through the in-process Connect transport.
export async function startAllInOne(overrides: Record<string, string> = {}, env: Record<string, string | undefined> = process.env): Promise<AllInOne> {
  const config = loadConfig(env, overrides);
  const logger = createLogger("all-in-one", config.logLevel);
  const metrics = createMetricsRegistry("all-in-one");

  // The development issuer runs unless a real one is configured.
  const devIssuer = config.identity.issuer
    ? undefined
    : await startDevIssuer({ host: config.host, port: config.identity.devIssuerPort, audience: config.identity.audience, keyPath: join(config.store.dataDir, "..", "dev-issuer-key.json") });
  const issuer = config.identity.issuer ?? devIssuer!.issuer;

  const [store, eventLog, presence, verifier] = await Promise.all([
    createStore(config, logger),
    createEventLog(config, logger),
    createPresence(config, logger),
    createVerifier(config, devIssuer?.issuer),
  ]);
  const rpc = new InProcessRpcHost(config.serviceSecret);
  const child = (service: string) => createLogger(service, config.logLevel);

  const ingest = await startIngest(config, { store, eventLog, rpc, logger: child("ingest"), metrics });
  const chatmgmt = await startChatMgmt(config, { store, eventLog, verifier, logger: child("chatmgmt"), metrics });
  const fanout = await startFanout(config, { store, eventLog, presence, rpc, logger: child("fanout"), metrics });
  const gateway = await startGateway(config, {
    store,
    presence,
    verifier,
    rpc,
    ingestAddress: ingest.address,
    logger: child("gateway"),
    metrics,
  });

  return {
    config,
    issuer,
    devIssuer,
    gateway,
    chatmgmt,
    eventLog,
    logger,
    async stop() {
      // Front to back: clients first, then the writers, then the consumers and the state.
      await gateway.stop();
      await chatmgmt.stop();
      await ingest.stop();
      await fanout.stop();
      await Promise.all([eventLog.close(), presence.close()]);
      await store.close();
      await devIssuer?.close();
    },
  };
}
