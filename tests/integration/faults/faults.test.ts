import { Deployment } from "./support/deployment";
import type { LoadShape } from "./support/load";
import { formatReport, writeReport } from "./support/report";
import { runScenario } from "./support/run-scenario";
import { SCENARIOS } from "./support/scenarios";

// Issue 10, fault-injection suite (`make test-faults`): the distributed deployment under a
// steady load of clients that retry and resync; one fault per scenario; afterwards every chat
// is checked (tests/integration/faults/support/checks.ts). The correctness checks and "live
// delivery back within 60 s" are asserted; the time to recover against the 5 s goal is
// reported (.test-results/faults/*.json, docs/reliability.md).
const LOAD: LoadShape = {
  users: Number(process.env.FAULTS_USERS ?? 30),
  chats: Number(process.env.FAULTS_CHATS ?? 10),
  membersPerChat: 6,
  sendIntervalMs: Number(process.env.FAULTS_SEND_INTERVAL_MS ?? 1000),
};
const only = process.env.FAULTS_ONLY?.split(",");

const dep = new Deployment();
beforeAll(async () => {
  await dep.start();
}, 240_000);
afterAll(async () => {
  await dep.stop();
});

for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
  test(`${scenario.name}: ${scenario.title}`, async () => {
    const report = await runScenario(dep, scenario, LOAD);
    process.stdout.write(formatReport(report));
    writeReport(report);
    expect(report.violations).toEqual([]);
    expect(report.timeToRecoverMs).not.toBeNull();
  }, 300_000);
}
