import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run dist/: rebuild it first when lib/ changed since the last build.
    globalSetup: ['test/setup/fresh-dist.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native calls already use the libuv pool; two workers match the 2-core machines this runs on.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: 'forks',
  },
});
