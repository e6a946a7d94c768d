import type { ConnSpec } from "./load/protocols/protocol";
import type { Target } from "./targets/target";

// Users u0..uN-1 in consecutive groups of `groupSize`, each group created on the target (a chat
// through the API, or a channel name). Returned split over `parts` generators by group, so a
// group's sender and members are on one generator (latencies on one clock).
export async function groupPopulation(target: Target, prefix: string, users: number, groupSize: number, parts: number): Promise<ConnSpec[][]> {
  const groups = Math.ceil(users / groupSize);
  const out: ConnSpec[][] = Array.from({ length: parts }, () => []);
  let next = 0;
  const lane = async () => {
    while (next < groups) {
      const g = next++;
      const members = Array.from({ length: Math.min(groupSize, users - g * groupSize) }, (_, k) => `${prefix}-u${g * groupSize + k}`);
      const group = await target.createGroup(`${prefix}-g${g}`, members);
      for (const user of members) out[g % parts].push({ user, token: await target.token(user), groups: [group] });
    }
  };
  // A few requests at a time, as an app's users would create chats.
  await Promise.all(Array.from({ length: 8 }, lane));
  return out;
}
