import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatKind, ChatSchema, MemberRole, MemberSchema, type Member } from "@chat/proto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedStore } from "../src/embedded/embedded-store";
import type { LevelDb } from "../src/embedded/level-db";
import { MemberLists } from "../src/embedded/member-lists";

const member = (chatId: string, userId: string, role = MemberRole.MEMBER): Member => create(MemberSchema, { chatId, userId, role, joinedAt: timestampFromMs(1) });
const ids = (list: Member[]) => list.map((m) => m.userId);

describe("MemberLists", () => {
  test("a loaded list is answered from memory, as a copy", async () => {
    const lists = new MemberLists(100);
    let scans = 0;
    const scan = async () => (scans++, [member("c", "a"), member("c", "b")]);
    expect(ids(await lists.load("c", scan))).toEqual(["a", "b"]);
    const hit = await lists.load("c", scan);
    expect(ids(hit)).toEqual(["a", "b"]);
    expect(scans).toBe(1);
    hit.pop();
    expect(ids(lists.get("c")!)).toEqual(["a", "b"]);
  });

  test("a scan overlapped by a member write is returned but not kept", async () => {
    const lists = new MemberLists(100);
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const loading = lists.load("c", async () => (await slow, [member("c", "old")]));
    // Staged and durable while the scan runs: the scan may have read the list before it.
    lists.beginWrite(["c"])();
    release();
    expect(ids(await loading)).toEqual(["old"]);
    expect(lists.get("c")).toBeUndefined();
  });

  test("nothing is kept while a member write is in flight, even for another chat", async () => {
    const lists = new MemberLists(100);
    const settled = lists.beginWrite(["c"]);
    await lists.load("d", async () => [member("d", "a")]);
    expect(lists.get("d")).toBeUndefined();
    settled();
    await lists.load("d", async () => [member("d", "a")]);
    expect(ids(lists.get("d")!)).toEqual(["a"]);
  });

  test("a write drops its chats' lists", async () => {
    const lists = new MemberLists(100);
    await lists.load("c", async () => [member("c", "a")]);
    await lists.load("d", async () => [member("d", "a")]);
    lists.beginWrite(["c"])();
    expect(lists.get("c")).toBeUndefined();
    expect(lists.get("d")).toBeDefined();
  });

  test("bounded by member rows, least recently used first; empty lists count as one row", async () => {
    const lists = new MemberLists(4);
    await lists.load("a", async () => [member("a", "1"), member("a", "2")]);
    await lists.load("b", async () => [member("b", "1")]);
    lists.get("a");
    await lists.load("e", async () => []);
    expect(lists.size).toEqual({ lists: 3, rows: 4 });
    await lists.load("c", async () => [member("c", "1")]);
    // b was the least recently used.
    expect(lists.get("b")).toBeUndefined();
    expect(lists.size).toEqual({ lists: 3, rows: 4 });
    // Longer than the whole bound: returned, never kept.
    expect((await lists.load("big", async () => Array.from({ length: 5 }, (_, i) => member("big", String(i))))).length).toBe(5);
    expect(lists.get("big")).toBeUndefined();
    expect(() => new MemberLists(-1)).toThrow(RangeError);
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
});
