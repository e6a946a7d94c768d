// ESLint 9 flat config: typescript-eslint's recommended type-checked rules over every TypeScript
// source (packages, services, tests, bench, scripts). `make lint` runs it; promises that nobody
// awaits or that are passed where nothing awaits them are errors (issue 9 point 10).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/dist/**", "packages/proto/src/gen/**", ".test-results/**", ".data/**",
      // Code that breaks the rules on purpose: tests/deploy/lint.test.ts lints it on its own.
      "tests/lint-fixtures/**",
    ],
  },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Each file is checked with the tsconfig.json nearest to it (packages/web has its own: DOM).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // The two this lint exists for, spelled out so that a change of preset cannot drop them.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Port implementations are async by contract; many (embedded stand-ins) have nothing to await.
      "@typescript-eslint/require-await": "off",
      // Options objects declare their callbacks in method syntax (`onError(err): void`) and are
      // passed around as values on purpose; none of them uses `this`.
      "@typescript-eslint/unbound-method": "off",
      // Rethrowing what a catch caught (unknown) as a rejection is fine; literals are not.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // The few JavaScript files (configs, the CLI's bin, the Docker health check) run on Node and
    // are in no tsconfig: the JavaScript rules without type information.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    // Tests read JSON bodies and frames as they come off the wire (`any`) and assert on them with
    // expect(): the no-unsafe-* family would only ask for casts there. Promise rules stay on.
    files: ["tests/**/*.ts", "**/test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
