import { build } from "esbuild";
import { fileURLToPath } from "node:url";

// The browser entry must bundle for the browser: no Node built-in, no `ws`. esbuild refuses to
// resolve Node built-ins for platform "browser", so a stray import fails the build here.
const entry = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bundle = (file: string) => build({ entryPoints: [entry(file)], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent", metafile: true });

test("@chat/client bundles for the browser without any Node module", async () => {
  const out = await bundle("../src/index.ts");
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs.filter((i) => /(^|\/)node:|\/ws\/|\/src\/node\//.test(i))).toEqual([]);
  expect(inputs.some((i) => i.includes("@connectrpc/connect-web"))).toBe(true);
});

test("the guard catches Node-only code: @chat/client/node does not bundle for the browser", async () => {
  await expect(bundle("../src/node/index.ts")).rejects.toThrow(/node:|Could not resolve/);
});
