// Command line of `personalizer simulate`. Every value is checked against its domain before anything starts;
// a wrong one is a usage error (exit code 2).
import { parseArgs } from 'node:util';
import { parsePolicyArguments, PolicyArgumentError } from '../engine/index.js';
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from '../simulate/builtin.js';
import { joinValues } from './option_values.js';
import { UsageError } from './replay_args.js';

export const SIMULATE_USAGE = `Usage: personalizer simulate [--url <url> --key <key>] [options]

Drives a Personalizer loop with a simulated application through the REST API (Rank, then Reward): users of
several segments on several devices at every time of day, 10-30 actions with features, and a hidden reward
(a logistic model with noise and drift) that the loop has to learn. Shows the loop's rolling reward against
the baseline (the app's first action) and the oracle (the best expected action); prints a summary at the end.
Without --url it starts a server of its own in this process (temporary store, removed at the end).

Options:
  --url <url>             a running server, e.g. http://localhost:5000 (default: an embedded server)
  --key <key>             its ApiKey (required with --url)
  --configure             with --url: set the loop's service configuration so that learning shows within
                          the run (rewardWaitTime PT5S, modelExportFrequency PT1S, rewardAggregation
                          earliest); the embedded server always gets these
  --policy "<vw args>"    also set the loop's learning policy (embedded, or with --configure)
  --scenario <name|file>  built-in ${Object.keys(BUILTIN_SCENARIOS).join(', ')} (default ${DEFAULT_SCENARIO}), or a scenario file (JSON,
                          see docs/simulate.md)
  --events <n>            events to simulate (default 3000)
  --rate <r>              events per second (default 50; 0: as fast as the server answers)
  --seed <s>              the world's seed, a whole number from 0 to 4294967295 (default 1)
  --concurrency <c>       requests in flight (default 4)
  --window <w>            events in the rolling reward (default 500)
  --sync-every <n>        rank and reward n events, then wait until the model has learned them: runs on a
                          fresh store repeat exactly for a seed and run id (default 0: free running)
  --run-id <id>           part of every eventId, sim-<id>-<n> (default: the seed and the start time)
  --port <p>              the embedded server's port (default: any free one)
  --json                  print the summary as JSON instead of a table
  --print-scenario <name> print a built-in scenario as a file to start from, and exit
  -h, --help              show this help
`;

export interface SimulateOptions {
  url?: string;
  key?: string;
  configure: boolean;
  policy?: string;
  scenario: string;
  events: number;
  rate: number;
  seed: number;
  concurrency: number;
  window: number;
  syncEvery: number;
  runId: string;
  port: number;
  json: boolean;
  printScenario?: string;
  help: boolean;
}

const VALUE_OPTIONS: Record<string, string> = Object.fromEntries(
  ['url', 'key', 'policy', 'scenario', 'events', 'rate', 'seed', 'concurrency', 'window', 'sync-every', 'run-id', 'port', 'print-scenario'].map((n) => [`--${n}`, n]),
);

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  return v;
}

export function parseSimulateArgs(argv: string[], now = Date.now()): SimulateOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv, VALUE_OPTIONS),
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        configure: { type: 'boolean', default: false },
        policy: { type: 'string' },
        scenario: { type: 'string' },
        events: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        window: { type: 'string' },
        'sync-every': { type: 'string' },
        'run-id': { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
        'print-scenario': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const seed = integer('seed', values.seed, 1, 0, 4294967295);
  const rateText = values.rate;
  const rate = rateText === undefined ? 50 : Number(rateText);
  if (rateText !== undefined && (!/^\s*\d+(\.\d+)?\s*$/.test(rateText) || rate > 100_000)) {
    throw new UsageError(`--rate must be a number of events per second from 0 (as fast as possible) to 100000, got '${rateText}'`);
  }
  const o: SimulateOptions = {
    configure: values.configure ?? false,
    scenario: values.scenario ?? DEFAULT_SCENARIO,
    events: integer('events', values.events, 3000, 1, 10_000_000),
    rate,
    seed,
    concurrency: integer('concurrency', values.concurrency, 4, 1, 256),
    window: integer('window', values.window, 500, 1, 1_000_000),
    syncEvery: integer('sync-every', values['sync-every'], 0, 0, 100_000),
    runId: values['run-id'] ?? `${seed}-${now.toString(36)}`,
    port: integer('port', values.port, 0, 0, 65535),
    json: values.json ?? false,
    help: values.help ?? false,
  };
  if (o.help) return o;
  if (values['print-scenario'] !== undefined) {
    const name = values['print-scenario'];
    if (!(name in BUILTIN_SCENARIOS)) throw new UsageError(`--print-scenario: no built-in scenario '${name}' (built-in: ${Object.keys(BUILTIN_SCENARIOS).join(', ')})`);
    return { ...o, printScenario: name };
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.runId)) throw new UsageError(`--run-id must be 1 to 64 letters, digits, '.', '_' or '-', got '${o.runId}'`);
  if (values.url !== undefined) {
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new UsageError(`--url must be an absolute http(s) URL such as http://localhost:5000, got '${values.url}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, got '${values.url}'`);
    if (values.key === undefined || values.key === '') throw new UsageError('--key <key> is required with --url (the ApiKey the server was started with)');
    if (values.port !== undefined) throw new UsageError('--port is for the embedded server: it cannot be given with --url');
    o.url = values.url;
    o.key = values.key;
  } else {
    if (values.key !== undefined) throw new UsageError('--key is for a server given with --url; the embedded server makes its own');
    if (o.configure) throw new UsageError('--configure is for a server given with --url; the embedded server is always configured');
  }
  if (values.policy !== undefined) {
    if (o.url !== undefined && !o.configure) throw new UsageError('--policy changes the loop: with --url it needs --configure');
    try {
      parsePolicyArguments(values.policy);
    } catch (e) {
      if (e instanceof PolicyArgumentError) throw new UsageError(`--policy "${values.policy}": ${e.message}`);
      throw e;
    }
    o.policy = values.policy.trim();
  }
  return o;
}
