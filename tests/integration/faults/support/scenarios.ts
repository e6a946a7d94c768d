import type { Deployment } from "./deployment";
import { infra } from "./infra";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Scenario {
  name: string;
  title: string;
  // Injects the fault and undoes it; resolves with the moment the fault ended: the killed
  // process restarted and ready, the server back and answering, or — for a process killed for
  // good — the kill itself (the rest of the deployment must heal around it).
  // `mark` records when a step of the injection finished (reported in ms from the fault's start).
  inject(dep: Deployment, mark: (step: string) => void): Promise<number>;
}

export const SCENARIOS: Scenario[] = [
  {
    name: "ingest-kill-restart",
    title: "kill -9 ingest, start it again",
    async inject(dep, mark) {
      await dep.kill("ingest", "SIGKILL");
      mark("killed");
      await dep.spawn("ingest");
      mark("restarted and ready");
      return Date.now();
    },
  },
  {
    name: "fanout-kill",
    title: "kill -9 one fanout replica",
    async inject(dep) {
      await dep.kill("fanout-b", "SIGKILL");
      return Date.now();
    },
  },
  {
    name: "gateway-kill",
    title: "kill -9 a gateway (its clients reconnect to the other)",
    async inject(dep) {
      await dep.kill("gateway-2", "SIGKILL");
      return Date.now();
    },
  },
  {
    name: "gateway-sigterm",
    title: "SIGTERM a gateway (drain; its clients reconnect to the other)",
    async inject(dep) {
      const at = Date.now();
      // Not awaited: the drain runs while the clients move.
      void dep.kill("gateway-1", "SIGTERM");
      return at;
    },
  },
  {
    name: "redis-restart",
    title: "restart Redis on the same port (no persistence: every key lost)",
    async inject(_dep, mark) {
      await infra("redis", "restart");
      mark("answering again");
      return Date.now();
    },
  },
  {
    name: "dynamodb-pause",
    title: "pause DynamoDB Local for 5 s (SIGSTOP, SIGCONT)",
    async inject(_dep, mark) {
      await infra("dynamodb", "pause");
      mark("stopped");
      try {
        await sleep(5000); // the fault's length, not a wait for the pipeline
      } finally {
        await infra("dynamodb", "resume");
        mark("continued");
      }
      return Date.now();
    },
  },
  {
    name: "kafka-stop",
    title: "stop Kafka for 10 s, start it on the same port and data dir",
    async inject(_dep, mark) {
      await infra("kafka", "suspend");
      mark("broker stopped");
      try {
        await sleep(10_000); // the fault's length
      } finally {
        mark("restarting");
        await infra("kafka", "resume");
        mark("broker answering");
      }
      return Date.now();
    },
  },
];
