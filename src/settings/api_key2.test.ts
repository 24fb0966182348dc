// ApiKey2 (settings.ts): the optional second key, read like ApiKey from arguments and the environment, refused
// when it repeats ApiKey, and never in the settings as they are logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSettings, parseSettings, SettingsError } from './index.js';
import { refusal } from './settings.fixtures.js';

test('ApiKey2 is optional, read from arguments or the environment (any case), arguments winning', () => {
  assert.equal(parseSettings(['Eula=accept', 'ApiKey=k1'], {}).apiKey2, undefined);
  assert.equal(parseSettings(['Eula=accept', 'ApiKey=k1', 'ApiKey2=k2'], {}).apiKey2, 'k2');
  assert.equal(parseSettings(['Eula=accept', 'ApiKey=k1', '--apikey2=k2'], {}).apiKey2, 'k2');
  assert.equal(parseSettings([], { EULA: 'accept', APIKEY: 'k1', APIKEY2: 'env2' }).apiKey2, 'env2');
  assert.equal(parseSettings(['ApiKey2=arg2'], { EULA: 'accept', APIKEY: 'k1', ApiKey2: 'env2' }).apiKey2, 'arg2');
  // Surrounding spaces are dropped, as for ApiKey; an empty value is no second key (an empty key is never accepted).
  assert.equal(parseSettings(['Eula=accept', 'ApiKey= k1 ', 'ApiKey2= k2 '], {}).apiKey2, 'k2');
  assert.equal(parseSettings(['Eula=accept', 'ApiKey=k1', 'ApiKey2='], {}).apiKey2, undefined);
  assert.equal(parseSettings(['Eula=accept', 'ApiKey=k1', 'ApiKey2=   '], {}).apiKey2, undefined);
  assert.deepEqual(parseSettings(['Eula=accept', 'ApiKey=k1', 'ApiKey2=k2'], {}).unknownArguments, []);
});

test('ApiKey2 alone is not enough, and the same value as ApiKey is refused, naming ApiKey2 and not echoing the key', () => {
  assert.equal(refusal(['Eula=accept', 'ApiKey2=k2']).setting, 'ApiKey');
  const same = refusal(['Eula=accept', 'ApiKey=secret-k1', 'ApiKey2=secret-k1']);
  assert.equal(same.setting, 'ApiKey2');
  assert.match(same.message, /ApiKey2 must differ from ApiKey/);
  assert.ok(!same.message.includes('secret-k1'));
  // Compared after trimming, as the keys are used.
  assert.equal(refusal([], { EULA: 'accept', APIKEY: 'k1', APIKEY2: ' k1 ' }).setting, 'ApiKey2');
});

test('describeSettings redacts both keys and says whether a second one is set', () => {
  const two = describeSettings(parseSettings(['Eula=accept', 'ApiKey=first-secret', 'ApiKey2=second-secret'], {}));
  assert.equal(two.apiKey, '[redacted]');
  assert.equal(two.apiKey2, '[redacted]');
  const text = JSON.stringify(two);
  assert.ok(!text.includes('first-secret') && !text.includes('second-secret'), text);
  const one = describeSettings(parseSettings(['Eula=accept', 'ApiKey=first-secret'], {}));
  assert.equal('apiKey2' in one, false);
});
