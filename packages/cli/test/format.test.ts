import { formatChatRow, formatMessage, formatPresence, formatReceipt, formatTyping, safe } from "../src/output/format";

test("a message is one line: seq, UTC time, sender, body; extra lines are indented", () => {
  expect(formatMessage({ seq: 12n, senderId: "alice", body: "hi", createdAt: new Date("2026-11-24T10:32:05.123Z") })).toBe("#12 10:32:05 alice: hi");
  expect(formatMessage({ seq: 1n, senderId: "bob", body: "a\nb" })).toBe("#1 --:--:-- bob: a\n    b");
});

test("control characters in other people's text are shown escaped, not sent to the terminal", () => {
  expect(safe("red\u001b[31m!\u0007")).toBe("red\\x1b[31m!\\x07");
  // The control character is the point: no escape sequence may reach the terminal.
  // eslint-disable-next-line no-control-regex
  expect(formatMessage({ seq: 1n, senderId: "eve", body: "\u001b]0;pwned\u0007" })).not.toMatch(/\u001b/);
  expect(safe("tabs\tstay")).toBe("tabs\tstay");
});

test("receipts, typing, presence and chat rows", () => {
  expect(formatReceipt({ userId: "bob", deliveredSeq: 5n, readSeq: 3n })).toBe("* bob read up to #3");
  expect(formatReceipt({ userId: "bob", deliveredSeq: 5n, readSeq: 0n })).toBe("* bob received up to #5");
  expect(formatTyping({ userId: "bob", active: true })).toBe("* bob is typing…");
  expect(formatTyping({ userId: "bob", active: false })).toBe("* bob stopped typing");
  expect(formatPresence({ userId: "bob", online: false })).toBe("* bob is offline");
  expect(formatChatRow({ chatId: "c_1", direct: false, title: "lunch", lastSeq: 42n })).toBe("c_1  group       42  lunch");
});
