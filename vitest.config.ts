import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One broker and one set of model servers on a 2-core machine: test files run one at a time so
    // their timeouts and throughput do not fight each other.
    fileParallelism: false,
    unstubEnvs: true,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
