import { defineConfig } from 'vitest/config'

const DEMO = 'test/e2e/demo.test.ts'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real processes, sockets and databases: two cores, so keep file-level parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    globalSetup: ['test/support/build.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'rehearse',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: [DEMO, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The demo rehearsals judge latency and SLOs of real services: they run after everything
        // else, alone, so that the rest of the suite does not load the machine they measure.
        extends: true,
        test: { name: 'demo', include: [DEMO], maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
