// ESM throughout: oidc-provider, openid-client and jose are ESM-only.
// Run through `pnpm test` (node --experimental-vm-modules).
const swc = ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "es6" } }];

/** @type {import('jest').Config} */
const base = {
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.ts$": swc },
  testEnvironment: "node",
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
};

export default {
  testTimeout: 30000,
  globalSetup: "<rootDir>/tests/support/jest-global-setup.js",
  projects: [
    {
      ...base,
      displayName: "unit",
      // bench/test: the bench's pure statistics and correctness check (not the bench itself).
      testMatch: ["<rootDir>/packages/*/test/**/*.test.ts", "<rootDir>/services/*/test/**/*.test.ts", "<rootDir>/bench/test/**/*.test.ts"],
      // packages/web has its own runner (Vitest): make test-web.
      testPathIgnorePatterns: ["/node_modules/", "/test/integration/", "<rootDir>/packages/web/"],
    },
    { ...base, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
    // Needs `make bundle` first (make test-deploy does it): dist/*.mjs are run for real.
    { ...base, displayName: "deploy", testMatch: ["<rootDir>/tests/deploy/**/*.test.ts"] },
    { ...base, displayName: "browser", testMatch: ["<rootDir>/tests/browser/**/*.test.ts"] },
    {
      ...base,
      displayName: "integration",
      testMatch: ["<rootDir>/packages/*/test/integration/**/*.test.ts", "<rootDir>/tests/integration/**/*.test.ts"],
      // The fault suite stops and restarts the servers: it runs alone (make test-faults).
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/integration/faults/"],
    },
    { ...base, displayName: "faults", testMatch: ["<rootDir>/tests/integration/faults/**/*.test.ts"] },
  ],
};
