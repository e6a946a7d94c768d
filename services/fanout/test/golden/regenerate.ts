// Rewrites the golden Kafka payloads under testdata/. Run it only for a DELIBERATE wire change,
// and ship the new files with the proto change and the consumer update in the same commit:
//
//   node --import tsx services/fanout/test/golden/regenerate.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GOLDEN_EVENTS, POISON_RECORD, deadLetterOf } from "./events";

const dir = join(import.meta.dirname, "testdata");
for (const e of GOLDEN_EVENTS) {
  writeFileSync(join(dir, e.file), e.encode());
  process.stdout.write(`${e.file}\n`);
}
const { envelope, value } = await deadLetterOf(POISON_RECORD);
writeFileSync(join(dir, "dead_letter.bin"), value);
writeFileSync(join(dir, "dead_letter.json"), JSON.stringify(envelope, null, 2) + "\n");
process.stdout.write("dead_letter.bin\ndead_letter.json\n");
