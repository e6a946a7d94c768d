import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveAsync } from "../src/http-handler";

// A handler that throws must answer 500 with the stable error body and report the error, not
// leave the request hanging or crash the process with an unhandled rejection.
describe("serveAsync", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(handler: Parameters<typeof serveAsync>[0]): Promise<{ url: string; errors: unknown[] }> {
    const errors: unknown[] = [];
    server = createServer(serveAsync(handler, (e) => errors.push(e)));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, errors };
  }

  it("answers 500 with a JSON error when the handler rejects before writing", async () => {
    const { url, errors } = await serve(async () => {
      throw new Error("boom");
    });
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ code: "internal", message: "internal error" });
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("boom");
  });

  it("ends the response when the handler rejects after sending headers", async () => {
    const { url, errors } = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      throw new Error("late");
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    await expect(res.text()).resolves.toContain("partial");
    expect(errors).toHaveLength(1);
  });
});
