import { defineConfig } from "vitest/config";

// `base: "./"`: the build works under any path (/app/ in the all-in-one, or wherever a
// deployment puts the files); config.json next to index.html says where the backend is.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  server: { host: "127.0.0.1", port: 5173 },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
