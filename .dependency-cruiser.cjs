// Dependency rules of the architecture (issue 9 point 10), checked by `make lint`
// (depcruise, dependency-cruiser). Paths are the real files: an import of `@chat/store/dynamodb`
// resolves (through the pnpm workspace link) to packages/store/src/dynamodb/index.ts.
//
// The concrete adapters: each infra port (eventlog, store, presence, identity) keeps its
// implementations in these folders, exported as subpaths (@chat/store/dynamodb, ...).
const ADAPTER = "^packages/[^/]+/src/(embedded|kafka|dynamodb|redis|dev-issuer|contract)/";
// Node modules that do I/O (files, network, processes).
const IO_CORE = "^(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle between modules: split the shared part out or invert the dependency.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that cannot be resolved would slip past every rule below.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "services-no-concrete-adapter",
      severity: "error",
      comment:
        "Services depend on ports only; the adapters are chosen by @chat/wiring from the config (house rule: ports and adapters).",
      from: { path: "^services/[^/]+/src/" },
      to: { path: ADAPTER },
    },
    {
      name: "adapters-only-in-composition",
      severity: "error",
      comment:
        "Only the composition roots (@chat/wiring, the all-in-one) pick concrete adapters; other code gets a port. The adapter's own package and tests may use it.",
      from: { path: "^(packages|services)/([^/]+)/src/", pathNot: "^packages/(wiring|all-in-one)/src/" },
      to: { path: ADAPTER, pathNot: "^$1/$2/" },
    },
    {
      name: "wiring-only-in-service-entry",
      severity: "error",
      comment:
        "@chat/wiring brings in every adapter (kafkajs, the AWS SDK, ioredis): in a service only start.ts and main.ts (its composition) import it; health bodies and probes are in @chat/observability.",
      from: { path: "^services/[^/]+/src/", pathNot: "^services/[^/]+/src/(start|main)\\.ts$" },
      to: { path: "^packages/wiring/" },
    },
    {
      name: "domain-imports-only-proto",
      severity: "error",
      comment: "The domain is pure logic over the proto types: nothing else of ours, no I/O.",
      from: { path: "^packages/domain/src/" },
      to: { path: "^(packages|services)/", pathNot: "^packages/(domain|proto)/" },
    },
    {
      name: "domain-no-io",
      severity: "error",
      comment: "Pure domain logic has no I/O.",
      from: { path: "^packages/domain/src/" },
      to: { dependencyTypes: ["core"], path: IO_CORE },
    },
    {
      name: "packages-not-services",
      severity: "error",
      comment: "Libraries do not depend on the services; only the all-in-one composes them.",
      from: { path: "^packages/", pathNot: "^packages/all-in-one/" },
      to: { path: "^services/" },
    },
    {
      name: "services-independent",
      severity: "error",
      comment: "A service talks to another over its proto API (gRPC, Kafka), never by importing it.",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "only-public-entry-points",
      severity: "error",
      comment:
        "Another package is used through its package.json exports (src/index.ts or a subpath's index.ts), not by reaching into its files.",
      from: { path: "^(packages|services)/([^/]+)/src/" },
      to: {
        path: "^(packages|services)/[^/]+/src/",
        pathNot: ["^$1/$2/", "^(packages|services)/[^/]+/src/(index|start)\\.ts$", "^packages/[^/]+/src/[^/]+/index\\.ts$", "^packages/proto/src/gen/"],
      },
    },
    {
      name: "production-not-tests",
      severity: "error",
      comment: "Shipped code never imports test code (contract suites included, see ADAPTER).",
      from: { path: "^(packages|services)/[^/]+/src/" },
      to: { path: ["^tests/", "^(packages|services)/[^/]+/test/", "^bench/"] },
    },
    {
      name: "sdk-core-runs-in-browsers",
      severity: "error",
      comment: "@chat/client's core runs in browsers: Node-only code (files, ws) lives in src/node (@chat/client/node).",
      from: { path: "^packages/client/src/", pathNot: "^packages/client/src/node/" },
      to: { path: ["^packages/client/src/node/", "node_modules/(\\.pnpm/ws@|ws/)"] },
    },
    {
      name: "sdk-core-no-node-builtins",
      severity: "error",
      comment: "@chat/client's core and the web page run in browsers.",
      from: { path: ["^packages/client/src/", "^packages/web/src/"], pathNot: "^packages/client/src/node/" },
      to: { dependencyTypes: ["core"] },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^packages/proto/src/gen/"] },
    // The fixture breaks every rule on purpose (tests/deploy/lint.test.ts cruises it on its own).
    exclude: { path: ["(^|/)dist/", "^tests/lint-fixtures/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], mainFields: ["module", "main", "types", "typings"] },
  },
};
