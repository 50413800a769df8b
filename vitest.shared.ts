import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Workspace packages resolve to their sources in tests, so no build is needed first. */
export const shared: ViteUserConfig = {
  resolve: {
    alias: [
      { find: /^@effect-pipedrive\/core\/testing$/, replacement: source("./packages/core/src/testing.ts") },
      { find: /^@effect-pipedrive\/core$/, replacement: source("./packages/core/src/index.ts") },
      { find: /^@effect-pipedrive\/node-runtime$/, replacement: source("./packages/node-runtime/src/index.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    sequence: { concurrent: false },
    testTimeout: 30_000
  }
}
