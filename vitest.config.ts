import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real processes, sockets and databases: two cores, so keep file-level parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    globalSetup: ['test/support/build.ts'],
  },
})
