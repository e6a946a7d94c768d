import type { Results } from "../context";

type Row = [label: string, scenario: string, cell: (r: any) => string | undefined];

const ms = (x: number | undefined) => (x === undefined ? "–" : x < 10 ? x.toFixed(2) : x.toFixed(0));
const int = (x: number | undefined) => (x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
const fix = (x: number | undefined, d = 1) => (x === undefined ? "–" : x.toFixed(d));
const errors = (e: Record<string, number> | undefined) => (e && Object.keys(e).length ? Object.entries(e).map(([k, v]) => `${k}×${v}`).join(" ") : "");
const unanswered = (r: { sent: number; acked: number; errors: Record<string, number> }) => {
  const n = r.sent - r.acked - Object.values(r.errors).reduce((a, b) => a + b, 0);
  return n > 0 ? `unanswered×${n}` : "";
};
const cpuRoles = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");

// The rows of the bench table: the figures of issue 7, one column per target.
const ROWS: Row[] = [
  ["steady: deliveries per server CPU-s", "steady", (r) => int(r.deliveriesPerServerCpuSec)],
  ["steady: deliveries per Node-service CPU-s", "steady", (r) => (Object.keys(r.serverCpuSec).length > 1 ? int(r.deliveriesPerNodeCpuSec) : undefined)],
  ["steady: send→ack p50 / p99 ms", "steady", (r) => `${ms(r.ackP50)} / ${ms(r.ackP99)}`],
  ["steady: send→delivery p50 / p99 ms", "steady", (r) => `${ms(r.deliveryP50)} / ${ms(r.deliveryP99)}`],
  ["steady: server CPU-s (by process)", "steady", (r) => cpuRoles(r.serverCpuSec)],
  ["steady: Node CPU µs per delivery", "steady", (r) => fix(r.nodeCpuUsPerDelivery)],
  ["steady: write-path requests per message", "steady", (r) => Object.entries(r.requestsPerMessage ?? {}).map(([k, v]) => `${k.replace(/_total$/, "")} ${(v as number).toFixed(2)}`).join(", ") || undefined],
  ["steady: acked / sent, errors", "steady", (r) => `${int(r.acked)} / ${int(r.sent)} ${errors(r.errors)} ${unanswered(r)}`.trim()],
  ["steady: delivered / owed", "steady", (r) => `${int(r.deliveries)} / ${int(r.expectedDeliveries)}`],
  ["steady: violations (lost, dup, order)", "steady", (r) => `${r.violations} (${r.correctness.missingLost}+${r.correctness.missingUnchecked}, ${r.correctness.duplicates}, ${r.correctness.outOfOrder})${r.correctness.missingInStore ? `; ${r.correctness.missingInStore} pushes missed but stored` : ""}`],
  ["steady: generator CPU %", "steady", (r) => fix(r.generatorCpuPct, 0)],
  ["highest rate with p99 < 100 ms (msg/s)", "ramp", (r) => (r.highestRate === undefined ? "< first step" : `${r.atLeast ? "≥ " : ""}${int(r.highestRate)}${r.generatorBound ? " (generator-bound)" : ""}`)],
  ["KiB per idle connection", "idle", (r) => `${fix(r.kibPerConnection)} (${int(r.opened)} conns${r.failed ? `, ${r.failed} failed` : ""}${r.heapKibPerConnection === undefined ? "" : `; heap ${fix(r.heapKibPerConnection)}`})`],
  ["time to establish idle connections (s)", "idle", (r) => `${fix(r.connectSec, 2)} (${fix(r.connectServerCpuSec)} CPU-s)`],
  ["big chat: members / online", "bigchat", (r) => `${int(r.members)} / ${int(r.online)} (created in ${fix(r.createChatSec)} s)`],
  ["big chat: one message → last of online (ms)", "bigchat", (r) => `${ms(r.oneMessageLastMemberMs)} (max ${ms(r.oneMessageLastMemberMaxMs)}, ${r.oneMessageDelivered})`],
  ["big chat: burst deliveries/s", "bigchat", (r) => `${int(r.burstDeliveriesPerSec)} (${int(r.burstDeliveries)}/${int(r.burstExpected)}${errors(r.burstErrors) ? ` ${errors(r.burstErrors)}` : ""})`],
  ["big chat: connect online members (s, CPU-s)", "bigchat", (r) => `${fix(r.connectSec, 2)} s, ${fix(r.connectServerCpuSec)} CPU-s`],
  ["big chat: background work after (s, CPU-s)", "bigchat", (r) => `${fix(r.settleSec)} s, ${fix(r.settleServerCpuSec)} CPU-s`],
  ["big chat: disconnect them (s, CPU-s incl. background)", "bigchat", (r) => `${fix(r.disconnectSec, 2)} s, ${fix(r.disconnectServerCpuSec)} CPU-s`],
  ["big chat: violations", "bigchat", (r) => String(r.violations)],
  ["launch to listening (ms)", "launch", (r) => `${int(r.launchMs)} (${r.how})`],
  ["all-in-one on a store of N messages: RSS MB / start-up s", "store", (r) => `${fix(r.rssMB, 0)} / ${fix(r.startupSec, 2)} (N = ${int(r.messages)})`],
];

// A Markdown table (it reads well in a terminal too): the figures as rows, the targets as columns.
export function renderTable(results: Results, targets: string[], skipped: Record<string, string>): string {
  const head = ["", ...targets];
  const lines = [head, head.map(() => "---")];
  for (const [label, scenario, cell] of ROWS) {
    const byTarget = results[scenario];
    if (!byTarget) continue;
    const cells = targets.map((t) => {
      if (skipped[t]) return "skipped";
      const r = byTarget[t] as { error?: string } | undefined;
      if (!r) return "";
      if (r.error) return "error";
      try {
        return cell(r) ?? "";
      } catch {
        return "?";
      }
    });
    if (cells.every((c) => c === "")) continue;
    lines.push([label, ...cells]);
  }
  const out = lines.map((l) => `| ${l.join(" | ")} |`);
  for (const [t, why] of Object.entries(skipped)) out.push(`\n${t}: ${why}`);
  for (const [scenario, byTarget] of Object.entries(results)) {
    for (const [t, r] of Object.entries(byTarget)) if ((r as { error?: string }).error) out.push(`\n${scenario} / ${t}: ${(r as { error: string }).error.split("\n")[0]}`);
  }
  return out.join("\n");
}
