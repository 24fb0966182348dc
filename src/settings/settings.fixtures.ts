// For the settings tests: the SettingsError a command line and environment are refused with.
import assert from 'node:assert/strict';
import { parseSettings, SettingsError } from './index.js';

export function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): SettingsError {
  try {
    parseSettings(argv, env);
  } catch (e) {
    assert.ok(e instanceof SettingsError);
    return e;
  }
  assert.fail('settings were accepted');
}
