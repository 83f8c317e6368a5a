import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TENSORFLOW_PACKAGES } from '../../src/backend/select.js';
import { ROOT } from '../helpers/shared.js';

const json = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8'));

describe('the GPU path in package.json', () => {
  const pkg = json('package.json');
  const lock = json('package-lock.json');

  it('declares tfjs-node-gpu and tfjs-node as optional peers of the 4.22 family tinybert uses', () => {
    for (const name of TENSORFLOW_PACKAGES) {
      expect(pkg.peerDependencies[name]).toBe('~4.22.0');
      expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
    expect(pkg.dependencies['@tensorflow/tfjs-core']).toMatch(/^\^4\.22\./);
  });

  it('npm ci installs neither: the lock has no entry for them and its root entry matches package.json', () => {
    expect(Object.keys(lock.packages).filter((k) => /tfjs-node/.test(k))).toEqual([]);
    expect(lock.packages[''].peerDependencies).toEqual(pkg.peerDependencies);
    expect(lock.packages[''].peerDependenciesMeta).toEqual(pkg.peerDependenciesMeta);
  });
});
