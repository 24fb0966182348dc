import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, SettingsError } from './index.js';
import { refusal } from './settings.fixtures.js';

const base = ['Eula=accept', 'ApiKey=k1'];

test('defaults', () => {
  const s = parseSettings(base, {});
  assert.equal(s.apiKey, 'k1');
  assert.equal(s.port, 5000);
  assert.equal(s.host, '0.0.0.0');
  assert.equal(s.store, 'sqlite:./data/personalizer.db');
  assert.equal(s.bodyLimit, 1048576);
  assert.equal(s.diskLogMaxFileSizeMb, 1);
  assert.equal(s.logLevel, 'info');
  assert.equal(s.appId, '');
  assert.equal(s.billing, undefined);
  assert.equal(s.diskLogFormat, undefined);
});

test('nested keys, case-insensitive, env with __, arguments win', () => {
  const s = parseSettings(['eula=ACCEPT', 'apikey=k2', '--Port=6001', 'mounts:output=/tmp/o', 'Logging:Disk:Format=json'], {
    PORT: '7000',
    Mounts__Output: '/env/out',
    LOGGING__DISK__MAXFILESIZE: '-1',
    logging__console__loglevel__default: 'Warning',
    AppId: 'my app',
    PATH: '/usr/bin',
  });
  assert.equal(s.port, 6001);
  assert.equal(s.outputMount, '/tmp/o');
  assert.equal(s.diskLogFormat, 'json');
  assert.equal(s.diskLogMaxFileSizeMb, -1);
  assert.equal(s.logLevel, 'warn');
  assert.equal(s.appId, 'my app');
});

test('env alone is enough', () => {
  const s = parseSettings([], { EULA: 'accept', APIKEY: 'envkey', PORT: '0', BodyLimit: '2048', Billing: 'https://x.cognitiveservices.azure.com/' });
  assert.equal(s.apiKey, 'envkey');
  assert.equal(s.port, 0);
  assert.equal(s.bodyLimit, 2048);
  assert.equal(s.billing, 'https://x.cognitiveservices.azure.com/');
});

test('unknown argument keys are ignored and reported', () => {
  const s = parseSettings([...base, 'ApplicationInsights:InstrumentationKey=x', 'Fluentd:Host=h'], {});
  assert.deepEqual(s.unknownArguments, ['ApplicationInsights:InstrumentationKey', 'Fluentd:Host']);
});

test('refusals name the setting and never echo the key', () => {
  assert.equal(refusal(['ApiKey=k']).setting, 'Eula');
  assert.equal(refusal(['Eula=decline', 'ApiKey=k']).setting, 'Eula');
  assert.equal(refusal(['Eula=accept']).setting, 'ApiKey');
  assert.equal(refusal(['Eula=accept', 'ApiKey=   ']).setting, 'ApiKey');
  assert.equal(refusal([...base, 'Billing=not a uri']).setting, 'Billing');
  assert.equal(refusal([...base, 'Billing=ftp://host/']).setting, 'Billing');
  assert.equal(refusal([...base, 'Billing=/relative']).setting, 'Billing');
  assert.equal(refusal([...base, 'Port=65536']).setting, 'Port');
  assert.equal(refusal([...base, 'Port=50a']).setting, 'Port');
  assert.equal(refusal([...base, 'Port=-1']).setting, 'Port');
  assert.equal(refusal([...base, 'Store=mysql://x']).setting, 'Store');
  assert.equal(refusal([...base, 'Logging:Disk:Format=json']).setting, 'Mounts:Output');
  assert.equal(refusal([...base, 'Mounts:Output=/o', 'Logging:Disk:Format=xml']).setting, 'Logging:Disk:Format');
  assert.equal(refusal([...base, 'Logging:Disk:MaxFileSize=0']).setting, 'Logging:Disk:MaxFileSize');
  assert.equal(refusal([...base, 'Logging:Console:LogLevel:Default=Loud']).setting, 'Logging:Console:LogLevel:Default');
  assert.equal(refusal([...base, 'BodyLimit=0']).setting, 'BodyLimit');
  const bare = refusal(['Eula=accept', 'secret-key-typed-alone']);
  assert.equal(bare.setting, 'arguments');
  assert.ok(!bare.message.includes('secret-key-typed-alone'));
});

test('HTTP limits: defaults, seconds with decimals, refusals naming the setting', () => {
  const d = parseSettings(base, {});
  assert.deepEqual([d.headersTimeoutMs, d.requestTimeoutMs, d.keepAliveTimeoutMs, d.maxConnections], [15_000, 30_000, 72_000, 2_000]);
  const s = parseSettings([...base, 'HeadersTimeout=0.5', 'RequestTimeout=2.25', 'KeepAliveTimeout=1'], { MAXCONNECTIONS: '10' });
  assert.deepEqual([s.headersTimeoutMs, s.requestTimeoutMs, s.keepAliveTimeoutMs, s.maxConnections], [500, 2_250, 1_000, 10]);
  for (const [arg, setting] of [
    ['HeadersTimeout=0', 'HeadersTimeout'],
    ['HeadersTimeout=-1', 'HeadersTimeout'],
    ['RequestTimeout=abc', 'RequestTimeout'],
    ['RequestTimeout=1e9', 'RequestTimeout'],
    ['KeepAliveTimeout=Infinity', 'KeepAliveTimeout'],
    ['MaxConnections=0', 'MaxConnections'],
    ['MaxConnections=1.5', 'MaxConnections'],
    ['HeadersTimeout=40', 'HeadersTimeout'], // longer than the default RequestTimeout
  ]) {
    const refused = refusal([...base, arg!]);
    assert.equal(refused.setting, setting, arg);
    assert.ok(refused.message.startsWith(setting!), refused.message);
  }
});
