import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatKind, ChatSchema, MemberRole, MemberSchema, type Member } from "@chat/proto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedStore } from "../src/embedded/embedded-store";
import type { LevelDb } from "../src/embedded/level-db";
import { MemberCounts } from "../src/embedded/member-counts";
import { MemberLists } from "../src/embedded/member-lists";
import { MemberScanGuard } from "../src/embedded/member-scan-guard";

const member = (chatId: string, userId: string, role = MemberRole.MEMBER): Member => create(MemberSchema, { chatId, userId, role, joinedAt: timestampFromMs(1) });
const ids = (list: Member[]) => list.map((m) => m.userId);

describe("MemberLists", () => {
  const lists = (maxRows = 100) => {
    const guard = new MemberScanGuard();
    return { guard, lists: new MemberLists(maxRows, guard) };
  };

  test("a loaded list is answered from memory, as a copy", async () => {
    const { lists: l } = lists();
    let scans = 0;
    const scan = async () => (scans++, [member("c", "a"), member("c", "b")]);
    expect(ids(await l.load("c", scan))).toEqual(["a", "b"]);
    const hit = await l.load("c", scan);
    expect(ids(hit)).toEqual(["a", "b"]);
    expect(scans).toBe(1);
    hit.pop();
    expect(ids(l.get("c")!)).toEqual(["a", "b"]);
  });

  test("a scan overlapped by a member write of its chat is returned but not kept", async () => {
    const { lists: l, guard } = lists();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const loading = l.load("c", async () => (await slow, [member("c", "old")]));
    // Staged and durable while the scan runs: the scan may have read the list before it.
    guard.begin("c")();
    release();
    expect(ids(await loading)).toEqual(["old"]);
    expect(l.get("c")).toBeUndefined();
  });

  test("a scan that starts while a write of its chat is in flight is not kept; another chat's is", async () => {
    const { lists: l, guard } = lists();
    const end = guard.begin("c");
    await l.load("c", async () => [member("c", "a")]);
    expect(l.get("c")).toBeUndefined();
    await l.load("d", async () => [member("d", "a")]);
    expect(ids(l.get("d")!)).toEqual(["a"]);
    end();
    await l.load("c", async () => [member("c", "a")]);
    expect(ids(l.get("c")!)).toEqual(["a"]);
  });

  test("a durable write moves the held list in user-id order; a failed one drops it", async () => {
    const { lists: l } = lists();
    await l.load("c", async () => [member("c", "b"), member("c", "d")]);
    l.settled("c", { put: [member("c", "c"), member("c", "a"), member("c", "e")] });
    expect(ids(l.get("c")!)).toEqual(["a", "b", "c", "d", "e"]);
    l.settled("c", { put: [member("c", "c", MemberRole.ADMIN)] });
    expect(l.get("c")!.map((m) => m.role)).toEqual([MemberRole.MEMBER, MemberRole.MEMBER, MemberRole.ADMIN, MemberRole.MEMBER, MemberRole.MEMBER]);
    l.settled("c", { remove: "a" });
    l.settled("c", { remove: "never" });
    expect(ids(l.get("c")!)).toEqual(["b", "c", "d", "e"]);
    expect(l.countOf("c")).toBe(4);
    expect(l.size).toEqual({ lists: 1, rows: 4 });
    // Not held: nothing to move.
    l.settled("d", { put: [member("d", "a")] });
    expect(l.get("d")).toBeUndefined();
    l.settled("c", undefined);
    expect(l.get("c")).toBeUndefined();
    expect(l.size).toEqual({ lists: 0, rows: 0 });
  });

  test("bounded by member rows, least recently used first; empty lists count as one row", async () => {
    const { lists: l } = lists(4);
    await l.load("a", async () => [member("a", "1"), member("a", "2")]);
    await l.load("b", async () => [member("b", "1")]);
    l.get("a");
    await l.load("e", async () => []);
    expect(l.size).toEqual({ lists: 3, rows: 4 });
    await l.load("c", async () => [member("c", "1")]);
    // b was the least recently used.
    expect(l.get("b")).toBeUndefined();
    expect(l.size).toEqual({ lists: 3, rows: 4 });
    // Longer than the whole bound: returned, never kept.
    expect((await l.load("big", async () => Array.from({ length: 5 }, (_, i) => member("big", String(i))))).length).toBe(5);
    expect(l.get("big")).toBeUndefined();
    // Grown past the bound by writes: dropped.
    l.settled("a", { put: [member("a", "3"), member("a", "4"), member("a", "5")] });
    expect(l.get("a")).toBeUndefined();
    expect(() => new MemberLists(-1, new MemberScanGuard())).toThrow(RangeError);
  });
});

describe("MemberCounts", () => {
  test("a held list is counted without a scan; otherwise one trusted scan, then moved by writes", async () => {
    const guard = new MemberScanGuard();
    const l = new MemberLists(100, guard);
    const counts = new MemberCounts(l, guard);
    let scans = 0;
    await l.load("c", async () => [member("c", "a"), member("c", "b")]);
    expect(await counts.count("c", async () => (scans++, 99))).toBe(2);
    expect(scans).toBe(0);
    expect(await counts.count("d", async () => (scans++, 7))).toBe(7);
    counts.settled("d", 1);
    counts.settled("d", -1);
    counts.settled("d", 1);
    expect(await counts.count("d", async () => (scans++, 0))).toBe(8);
    expect(scans).toBe(1);
    counts.settled("d", undefined);
    expect(await counts.count("d", async () => (scans++, 3))).toBe(3);
    expect(scans).toBe(2);
  });

  test("a scan a write of its chat overlapped is repeated, and returned unkept after a few tries", async () => {
    const guard = new MemberScanGuard();
    const counts = new MemberCounts(new MemberLists(100, guard), guard);
    let scans = 0;
    // Every scan is disturbed by a write staged (and settled) while it runs.
    const disturbed = async () => (scans++, guard.begin("c")(), 5);
    expect(await counts.count("c", disturbed)).toBe(5);
    expect(scans).toBe(3);
    expect(await counts.count("c", async () => (scans++, 6))).toBe(6);
    expect(await counts.count("c", async () => (scans++, 0))).toBe(6);
    expect(scans).toBe(4);
  });
});

describe("embedded store member lists", () => {
  let dir: string;
  let store: EmbeddedStore;
  let scans: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chat-member-lists-"));
    store = new EmbeddedStore({ dataDir: dir });
    await store.bootstrap();
    // Counts LevelDB range reads.
    const db = (store as unknown as { opened: { db: LevelDb } }).opened.db;
    const values = db.values.bind(db);
    scans = 0;
    (db as unknown as { values: typeof values }).values = ((...args: Parameters<typeof values>) => (scans++, values(...args))) as typeof values;
    const chat = create(ChatSchema, { chatId: "c1", kind: ChatKind.GROUP, title: "t", createdBy: "u-a", createdAt: timestampFromMs(1) });
    await store.createChat(chat, [member("c1", "u-a", MemberRole.ADMIN)], []);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("an unchanged chat's list is read from LevelDB once", async () => {
    expect(ids(await store.listMembers("c1"))).toEqual(["u-a"]);
    expect(ids(await store.listMembers("c1"))).toEqual(["u-a"]);
    expect(scans).toBe(1);
  });

  test("every member write is seen by the next read, also one racing the write", async () => {
    await store.listMembers("c1");
    // A read that misses and scans while the add is made durable, then reads after it.
    const [, racing] = await Promise.all([store.addMember(member("c1", "u-b"), []), store.listMembers("c1")]);
    expect(ids(racing).length).toBeGreaterThanOrEqual(1);
    expect(ids(await store.listMembers("c1"))).toEqual(["u-a", "u-b"]);
    await store.updateMemberRole("c1", "u-b", MemberRole.ADMIN, []);
    expect((await store.listMembers("c1")).map((m) => m.role)).toEqual([MemberRole.ADMIN, MemberRole.ADMIN]);
    await store.removeMember("c1", "u-a", []);
    expect(ids(await store.listMembers("c1"))).toEqual(["u-b"]);
    // A chat read before it existed.
    expect(await store.listMembers("c2")).toEqual([]);
    await store.createChat(create(ChatSchema, { chatId: "c2", kind: ChatKind.GROUP, title: "t", createdBy: "u-c", createdAt: timestampFromMs(1) }), [member("c2", "u-c")], []);
    expect(ids(await store.listMembers("c2"))).toEqual(["u-c"]);
  });

  test("filling a chat one member at a time scans it once: the writes move the held list", async () => {
    await store.listMembers("c1");
    for (let i = 0; i < 50; i++) {
      await store.addMember(member("c1", `u-${String(i).padStart(2, "0")}`), []);
      expect((await store.listMembers("c1")).length).toBe(i + 2);
      expect(await store.countMembers("c1")).toBe(i + 2);
    }
    await store.removeMember("c1", "u-10", []);
    expect(ids(await store.listMembers("c1"))).toEqual(["u-00", "u-01", "u-02", "u-03", "u-04", "u-05", "u-06", "u-07", "u-08", "u-09", ...Array.from({ length: 39 }, (_, i) => `u-${i + 11}`), "u-a"]);
    expect(scans).toBe(1);
  });
});
