// Fixture of tests/deploy/lint.test.ts: declares a dependency it never imports (package.json)
// and imports one it does not declare.
import { z } from "undeclared-dependency";

export const schema = z;
