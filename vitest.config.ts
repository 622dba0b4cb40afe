import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Memory-bound tests measure the retained heap after a collection.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } }
  }
})
