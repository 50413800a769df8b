import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Workspace packages resolve to their sources in tests, so no build is needed first. */
export const shared: ViteUserConfig = {
  resolve: {
    alias: [
      { find: /^@effect-pipedrive\/(core|node-runtime)$/, replacement: source("./packages/$1/src/index.ts") },
      { find: /^@effect-pipedrive\/(core|node-runtime)\/(.+)$/, replacement: source("./packages/$1/src/$2.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    sequence: { concurrent: false },
    // A hang detector, not a time bound: generous, so a busy CI machine does not fail a slow but correct test.
    testTimeout: 120_000
  }
}
