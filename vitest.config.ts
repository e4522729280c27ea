import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [
      // graphql 16 ships index.js and index.mjs. Node (so tsx in production, and Yoga in tests) loads
      // index.js, while Vite would hand our sources index.mjs: two GraphQLError classes, and Yoga would
      // mask every expected error (FORBIDDEN, BAD_USER_INPUT) as an internal one. One copy for all.
      { find: /^graphql$/, replacement: require.resolve('graphql') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each file owns a database copied from the migrated template, so files run in parallel.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
