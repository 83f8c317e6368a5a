import { defineConfig } from 'vitest/config';

// The golden distillation / optimizer parity tests run on the default backend (native when built)
// and once more on the reference `cpu` backend; the forward-parity tests loop over backends themselves.
const goldenTraining = ['test/distill/golden-losses.test.ts', 'test/train/golden-bertadam.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'golden-on-cpu', include: goldenTraining, env: { TINYBERT_BACKEND: 'cpu' } } },
    ],
  },
});
