import { waitUntil } from "../../support/cluster";
import { checkChats } from "./checks";
import type { Deployment } from "./deployment";
import { Load, type LoadShape } from "./load";
import { machine, writeServiceLog, RECOVERY_BOUND_MS, RECOVERY_GOAL_MS, type ScenarioReport } from "./report";
import type { Scenario } from "./scenarios";

// One scenario: steady load, the fault, recovery, then the checks over every chat. Never
// throws for a broken guarantee: the report lists it (violations, timeToRecoverMs null) and
// the test asserts on the report, after it was printed and written.
export async function runScenario(dep: Deployment, scenario: Scenario, shape: LoadShape): Promise<ScenarioReport> {
  const restartedBefore = await dep.prepare(90_000);
  const startedAt = Date.now();
  const outputMark = dep.outputMark();
  const load = new Load(dep, scenario.name, shape);
  await load.setup();
  const violations: string[] = [];
  let timeToRecoverMs: number | null = null;
  let faultStart = 0;
  let faultEnd = 0;
  const steps: string[] = [];
  try {
    load.start();
    // Steady state: live delivery in every chat, a few sends per user acknowledged.
    const warm = Date.now();
    await waitUntil(() => load.liveDeliveryBackAt(warm) !== undefined && load.acked().length >= 2 * shape.users, 60_000, "steady live delivery before the fault");

    faultStart = Date.now();
    faultEnd = await scenario.inject(dep, (step) => steps.push(`${step} +${((Date.now() - faultStart) / 1000).toFixed(1)} s`));
    try {
      await waitUntil(() => load.liveDeliveryBackAt(faultEnd) !== undefined, RECOVERY_BOUND_MS, "live delivery after the fault");
      timeToRecoverMs = load.liveDeliveryBackAt(faultEnd)! - faultEnd;
    } catch {
      violations.push(`live delivery not back within ${RECOVERY_BOUND_MS / 1000} s of the end of the fault`);
    }
    // Some load after recovery, so the clients' retried sends are in as well.
    const after = Date.now();
    await waitUntil(() => load.acked().filter((r) => r.firstAttemptAt >= after).length >= shape.users, 60_000, "acknowledged sends after recovery").catch(() =>
      violations.push("sends not acknowledged again within 60 s after the fault"),
    );
  } finally {
    await load.stop();
  }

  // A retry after the fault returns the original seq (idempotency survived the fault): the
  // sends first tried while the fault was on, up to 3 per chat, sent again with the same id.
  for (const chat of load.chats) {
    const during = load.acked().filter((r) => r.chatId === chat.chatId && r.firstAttemptAt >= faultStart).slice(0, 3);
    for (const r of during) {
      const client = load.clients.find((c) => c.user === r.sender)!;
      const again = await client.send(r.chatId, r.clientMessageId, r.body, { deadlineMs: 60_000 });
      if (Number(again.seq) !== r.seq || again.messageId !== r.messageId) violations.push(`${r.clientMessageId}: first acknowledged as seq ${r.seq} (${r.messageId}), as ${again.seq} (${again.messageId}) when retried`);
    }
  }

  await Promise.all(load.clients.map((c) => c.syncAllFromStart()));
  const result = await checkChats(load, dep.store);
  await load.close();
  writeServiceLog(scenario.name, dep.outputSince(outputMark));
  return {
    scenario: scenario.name,
    title: scenario.title,
    load: shape,
    startedAt: new Date(startedAt).toISOString(),
    faultMs: faultEnd - faultStart,
    faultSteps: steps,
    durationMs: Date.now() - startedAt,
    sent: result.sent,
    acked: result.acked,
    gaveUp: result.gaveUp,
    deliveredLive: result.deliveredLive,
    recoveredBySync: result.recoveredBySync,
    holes: result.holes,
    errors: Object.fromEntries([...load.errors.entries()].sort()),
    timeToRecoverMs,
    withinGoal: timeToRecoverMs !== null && timeToRecoverMs <= RECOVERY_GOAL_MS,
    violations: [...violations, ...result.violations],
    restartedBefore,
    machine: machine(),
  };
}
