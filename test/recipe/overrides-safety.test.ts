import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { applyOverrides, parseOverride } from '../../src/recipe/overrides.js';

describe('--set keys and values that are not recipe data', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['__proto__.x=1', 'stages.0.__proto__.polluted=1', 'constructor.prototype.x=1'])('refuses --set %s without touching Object.prototype', (spec) => {
    expect(() => applyOverrides({ stages: [{}] }, [spec])).toThrow(RecipeError);
    expect(() => parseOverride(spec)).toThrow(/is not a recipe field/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a value with an unknown YAML tag in one line instead of printing a YAML warning', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(() => parseOverride('name=!foo bar')).toThrow(/--set name=!foo bar: the value is not a YAML scalar or flow collection/);
    expect(stderr).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('still parses ordinary values', () => {
    expect(parseOverride('stages.0.optimizer={name: adamw, lr: 1e-4}').value).toEqual({ name: 'adamw', lr: 1e-4 });
    expect(parseOverride('seed=7').value).toBe(7);
  });
});
