import { ChatLanes } from "../src/persist/chat-lanes";

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("ChatLanes", () => {
  it("returns the work's result", async () => {
    await expect(new ChatLanes().run("c1", async () => 42)).resolves.toBe(42);
  });

  it("runs one chat's work strictly one after another even when the first is slower", async () => {
    const lanes = new ChatLanes();
    const log: string[] = [];
    const first = deferred();
    const a = lanes.run("c1", async () => {
      log.push("a:start");
      await first.promise;
      log.push("a:end");
      return "a";
    });
    const b = lanes.run("c1", async () => {
      log.push("b:start");
      log.push("b:end");
      return "b";
    });
    await tick();
    await tick();
    expect(log).toEqual(["a:start"]);
    first.resolve();
    await expect(Promise.all([a, b])).resolves.toEqual(["a", "b"]);
    expect(log).toEqual(["a:start", "a:end", "b:start", "b:end"]);
  });

  it("keeps submission order for many queued items", async () => {
    const lanes = new ChatLanes();
    const order: number[] = [];
    const runs = [30, 5, 20, 0, 10].map((ms, i) =>
      lanes.run("c1", async () => {
        await new Promise((r) => setTimeout(r, ms));
        order.push(i);
      }),
    );
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("never has two items of one chat in flight", async () => {
    const lanes = new ChatLanes();
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        lanes.run("c1", async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await tick();
          inFlight--;
        }),
      ),
    );
    expect(maxInFlight).toBe(1);
  });

  it("runs different chats concurrently", async () => {
    const lanes = new ChatLanes();
    const blockC1 = deferred();
    const log: string[] = [];
    const a = lanes.run("c1", async () => {
      log.push("c1:start");
      await blockC1.promise;
      log.push("c1:end");
    });
    const b = lanes.run("c2", async () => {
      log.push("c2:start");
      log.push("c2:end");
    });
    await b; // completes while c1 is still blocked
    expect(log).toEqual(["c1:start", "c2:start", "c2:end"]);
    blockC1.resolve();
    await a;
    expect(log).toEqual(["c1:start", "c2:start", "c2:end", "c1:end"]);
  });

  it("a rejection does not block the lane, and is reported to its own caller only", async () => {
    const lanes = new ChatLanes();
    const failing = lanes.run("c1", async () => {
      throw new Error("boom");
    });
    const next = lanes.run("c1", async () => "after");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("after");
  });

  it("a slow rejection still holds back the next item until it settles", async () => {
    const lanes = new ChatLanes();
    const gate = deferred();
    const log: string[] = [];
    const failing = lanes.run("c1", async () => {
      log.push("a:start");
      await gate.promise;
      log.push("a:fail");
      throw new Error("boom");
    });
    const next = lanes.run("c1", async () => {
      log.push("b:start");
    });
    await tick();
    expect(log).toEqual(["a:start"]);
    gate.resolve();
    await expect(failing).rejects.toThrow("boom");
    await next;
    expect(log).toEqual(["a:start", "a:fail", "b:start"]);
  });

  it("a synchronous throw in the work is a rejection and does not block the lane", async () => {
    const lanes = new ChatLanes();
    const bad = lanes.run("c1", () => {
      throw new Error("sync");
    });
    await expect(bad).rejects.toThrow("sync");
    await expect(lanes.run("c1", async () => 1)).resolves.toBe(1);
  });

  it("starts a fresh lane after an idle one drained", async () => {
    const lanes = new ChatLanes();
    await lanes.run("c1", async () => 1);
    await tick();
    const log: string[] = [];
    await lanes.run("c1", async () => log.push("again"));
    expect(log).toEqual(["again"]);
  });
});
