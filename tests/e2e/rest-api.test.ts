import { Validator } from "@seriousme/openapi-schema-validator";
import { ChatKind, ChatMgmtService, MemberRole } from "@chat/proto";
import { httpBindings, toOpenApiPath } from "@chat/transcoder";
import { startHarness, type Harness } from "./support/all-in-one-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function rest(user: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${await h.token(user)}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${h.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe("REST transcoded from google.api.http annotations", () => {
  test("every read RPC gives the same result over REST and over gRPC", async () => {
    const api = await h.grpc("alice");
    const created = await rest("alice", "POST", "/api/v1/chats", { kind: "CHAT_KIND_GROUP", title: "rest", memberIds: ["bob"] });
    expect(created.status).toBe(200);
    const chatId: string = created.body.chat.chatId;
    expect(created.body.members.map((m: { userId: string }) => m.userId)).toEqual(["alice", "bob"]);

    const alice = await h.connect("alice");
    for (let i = 1; i <= 3; i++) await alice.request({ sendMessage: { chatId, clientMessageId: `rest-${i}`, body: `m${i}` } });
    await alice.request({ read: { chatId, seq: "2" } });
    await alice.close();

    const viaRpc = {
      getChat: await api.getChat({ chatId }),
      listMembers: await api.listMembers({ chatId }),
      history: await api.getMessageHistory({ chatId, afterSeq: 1n, limit: 5 }),
      before: await api.getMessageHistory({ chatId, beforeSeq: 3n, limit: 1 }),
      receipts: await api.getReceipts({ chatId }),
    };
    const viaRest = {
      getChat: await rest("alice", "GET", `/api/v1/chats/${chatId}`),
      listMembers: await rest("alice", "GET", `/api/v1/chats/${chatId}/members`),
      history: await rest("alice", "GET", `/api/v1/chats/${chatId}/messages?after_seq=1&limit=5`),
      before: await rest("alice", "GET", `/api/v1/chats/${chatId}/messages?beforeSeq=3&limit=1`),
      receipts: await rest("alice", "GET", `/api/v1/chats/${chatId}/receipts`),
    };
    const { toJson } = await import("@bufbuild/protobuf");
    const schemas = {
      getChat: ChatMgmtService.method.getChat.output,
      listMembers: ChatMgmtService.method.listMembers.output,
      history: ChatMgmtService.method.getMessageHistory.output,
      before: ChatMgmtService.method.getMessageHistory.output,
      receipts: ChatMgmtService.method.getReceipts.output,
    } as const;
    for (const k of Object.keys(viaRpc) as Array<keyof typeof viaRpc>) {
      expect(viaRest[k].status).toBe(200);
      expect(viaRest[k].body).toEqual(toJson(schemas[k], viaRpc[k] as never));
    }
    expect(viaRest.history.body.messages.map((m: { seq: string }) => m.seq)).toEqual(["2", "3"]);
    expect(viaRest.before.body.messages.map((m: { seq: string }) => m.seq)).toEqual(["2"]);

    // Writes: add, change role, remove — REST and RPC on twin chats give the same shapes.
    const added = await rest("alice", "POST", `/api/v1/chats/${chatId}/members`, { userId: "carol" });
    expect(added.status).toBe(200);
    expect(added.body.member).toMatchObject({ chatId, userId: "carol", role: "MEMBER_ROLE_MEMBER" });
    const promoted = await rest("alice", "PATCH", `/api/v1/chats/${chatId}/members/carol`, { role: "MEMBER_ROLE_ADMIN" });
    expect(promoted.body.member.role).toBe("MEMBER_ROLE_ADMIN");
    const removed = await rest("alice", "DELETE", `/api/v1/chats/${chatId}/members/carol`);
    expect(removed).toMatchObject({ status: 200, body: {} });
    const mine = await rest("bob", "GET", "/api/v1/chats?page_size=10");
    const mineRpc = await (await h.grpc("bob")).listMyChats({ pageSize: 10 });
    expect(mine.body).toEqual(toJson(ChatMgmtService.method.listMyChats.output, mineRpc));
  });

  test("every write RPC gives the same result over REST and over gRPC (twin chats, ids and times normalised)", async () => {
    const { toJson } = await import("@bufbuild/protobuf");
    const grpc = await h.grpc("alice");
    const norm = (v: unknown, chatId: string) =>
      JSON.parse(JSON.stringify(v).replaceAll(chatId, "CHAT").replace(/"(createdAt|joinedAt)":"[^"]+"/g, '"$1":"T"'));
    const M = ChatMgmtService.method;

    const viaRest = await rest("alice", "POST", "/api/v1/chats", { kind: "CHAT_KIND_GROUP", title: "twin", memberIds: ["bob"] });
    const viaGrpc = await grpc.createChat({ kind: ChatKind.GROUP, title: "twin", memberIds: ["bob"] });
    const a = viaRest.body.chat.chatId as string;
    const b = viaGrpc.chat!.chatId;
    expect(norm(viaRest.body, a)).toEqual(norm(toJson(M.createChat.output, viaGrpc), b));

    const addRest = await rest("alice", "POST", `/api/v1/chats/${a}/members`, { userId: "carol", role: "MEMBER_ROLE_MEMBER" });
    const addGrpc = await grpc.addMember({ chatId: b, userId: "carol", role: MemberRole.MEMBER });
    expect(norm(addRest.body, a)).toEqual(norm(toJson(M.addMember.output, addGrpc), b));

    const roleRest = await rest("alice", "PATCH", `/api/v1/chats/${a}/members/carol`, { role: "MEMBER_ROLE_ADMIN" });
    const roleGrpc = await grpc.updateMemberRole({ chatId: b, userId: "carol", role: MemberRole.ADMIN });
    expect(norm(roleRest.body, a)).toEqual(norm(toJson(M.updateMemberRole.output, roleGrpc), b));

    const removeRest = await rest("alice", "DELETE", `/api/v1/chats/${a}/members/carol`);
    const removeGrpc = await grpc.removeMember({ chatId: b, userId: "carol" });
    expect(removeRest.body).toEqual(toJson(M.removeMember.output, removeGrpc));

    const membersRest = await rest("alice", "GET", `/api/v1/chats/${a}/members`);
    const membersGrpc = await grpc.listMembers({ chatId: b });
    expect(norm(membersRest.body, a)).toEqual(norm(toJson(M.listMembers.output, membersGrpc), b));
  });

  test("list my chats pages with a cursor", async () => {
    for (let i = 0; i < 5; i++) await rest("pager", "POST", "/api/v1/chats", { kind: "CHAT_KIND_GROUP", title: `p${i}` });
    const seen: string[] = [];
    let token = "";
    for (let page = 0; page < 5; page++) {
      const res = await rest("pager", "GET", `/api/v1/chats?page_size=2${token ? `&page_token=${token}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.chats.map((c: { chatId: string }) => c.chatId));
      token = res.body.nextPageToken ?? "";
      if (!token) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  test("error bodies carry the details the service gave (e.g. the offending field)", async () => {
    const res = await rest("alice", "GET", "/api/v1/chats?page_size=101");
    expect(res).toMatchObject({ status: 400, body: { code: "invalid_argument", details: { field: "page_size" } } });
  });

  test("a direct chat needs exactly two members", async () => {
    const ok = await rest("alice", "POST", "/api/v1/chats", { kind: "CHAT_KIND_DIRECT", memberIds: ["bob"] });
    expect(ok.status).toBe(200);
    const three = await rest("alice", "POST", "/api/v1/chats", { kind: "CHAT_KIND_DIRECT", memberIds: ["bob", "carol"] });
    expect(three).toMatchObject({ status: 400, body: { code: "invalid_argument" } });
  });

  test("the OpenAPI document is valid OpenAPI 3 and has exactly the annotated paths", async () => {
    const res = await fetch(`${h.apiUrl}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const fromAnnotations = httpBindings(ChatMgmtService).map((b) => `${b.verb} ${toOpenApiPath(b.path)}`).sort();
    const fromDoc = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((verb) => `${verb.toUpperCase()} ${p}`)).sort();
    expect(fromDoc).toEqual(fromAnnotations);
    expect(fromDoc).toContain("POST /api/v1/chats");
    expect(fromDoc).toContain("DELETE /api/v1/chats/{chat_id}/members/{user_id}");
  });

  test("a member added is delivered new messages at once; a member removed stops receiving at once", async () => {
    const chatId = (await (await h.api("alice")).createChat({ kind: ChatKind.GROUP, title: "live", memberIds: ["bob"] })).chat!.chatId;
    const alice = await h.connect("alice");
    const bob = await h.connect("bob");
    const erin = await h.connect("erin");
    await rest("alice", "POST", `/api/v1/chats/${chatId}/members`, { userId: "erin" });
    await bob.waitFor((f) => f.membership?.userId === "erin" && f.membership?.change === "MEMBERSHIP_CHANGE_ADDED");
    await alice.request({ sendMessage: { chatId, clientMessageId: "live-1", body: "hi erin" } });
    expect((await erin.messages(chatId, 1))[0].body).toBe("hi erin");

    await rest("alice", "DELETE", `/api/v1/chats/${chatId}/members/erin`);
    await erin.waitFor((f) => f.membership?.userId === "erin" && f.membership?.change === "MEMBERSHIP_CHANGE_REMOVED");
    await bob.waitFor((f) => f.membership?.userId === "erin" && f.membership?.change === "MEMBERSHIP_CHANGE_REMOVED");
    await alice.request({ sendMessage: { chatId, clientMessageId: "live-2", body: "erin is gone" } });
    await bob.messages(chatId, 2);
    expect(erin.frames.filter((f) => f.message?.chatId === chatId)).toHaveLength(1);
    const denied = await erin.request({ sync: { chatId, afterSeq: "0" } });
    expect(denied.error.code).toBe("not_found");
    await Promise.all([alice.close(), bob.close(), erin.close()]);
  });
});
