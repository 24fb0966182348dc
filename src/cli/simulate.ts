// `personalizer simulate` (docs/simulate.md): a simulated application driving a Personalizer loop through the
// REST API — a running server (--url) or one started in this process — with a live line of the rolling reward
// against the baseline and the oracle, and a summary at the end. Exit codes: 0 done (also when interrupted with
// Ctrl+C: the summary covers the events completed), 1 the server failed or refused, 2 usage (options, scenario).
import { readFileSync } from 'node:fs';
import { parseDuration } from '../loop/index.js';
import { BUILTIN_SCENARIOS } from '../simulate/builtin.js';
import { PersonalizerClient, PersonalizerHttpError, type ServiceConfiguration } from '../simulate/client.js';
import { drive, SyncTimeoutError } from '../simulate/driver.js';
import { parseScenario, ScenarioError, validateScenario, type Scenario } from '../simulate/scenario.js';
import { SimulationStats } from '../simulate/stats.js';
import { World } from '../simulate/world.js';
import { UsageError } from './replay_args.js';
import { parseSimulateArgs, SIMULATE_USAGE, type SimulateOptions } from './simulate_args.js';
import { createProgress, formatSummary, type SimulationReport } from './simulate_format.js';

/**
 * What makes learning visible within a run: explicit rewards are learned at once with `earliest`, the model that
 * ranks is replaced every second. Both durations are at the minimum the service configuration takes (PT1S;
 * rewardWaitTime a little above, so that a reward a slow client sends still lands in its window).
 */
export const FAST_SETTINGS = { rewardWaitTime: 'PT5S', modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' } as const;

function usage(message: string): number {
  process.stderr.write(`personalizer simulate: ${message}\n`);
  return 2;
}

function failure(message: string): number {
  process.stderr.write(`personalizer simulate: ${message}\n`);
  return 1;
}

export function loadScenario(nameOrFile: string): Scenario {
  const builtin = BUILTIN_SCENARIOS[nameOrFile];
  if (builtin !== undefined) return validateScenario(builtin);
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScenarioError(
      code === 'ENOENT'
        ? `--scenario ${nameOrFile}: neither a built-in scenario (${Object.keys(BUILTIN_SCENARIOS).join(', ')}) nor a file`
        : `--scenario ${nameOrFile}: cannot read the file (${code ?? (e as Error).message})`,
    );
  }
  return parseScenario(text, nameOrFile);
}

/** Why learning may not show within this run with the server's configuration; empty when it will. */
export function learningHints(c: ServiceConfiguration, runSeconds: number): string[] {
  const hints: string[] = [];
  if (c.learningMode !== undefined && c.learningMode !== 'Online') {
    hints.push(`the loop's learningMode is ${c.learningMode}: it ranks ${c.learningMode === 'Apprentice' ? 'the baseline action' : 'without exploring'} and its reward will not climb (set Online, or run with --configure on a loop you may change)`);
  }
  const exportMs = parseDuration(c.modelExportFrequency);
  if (exportMs !== null && exportMs > (runSeconds * 1000) / 5) {
    hints.push(`the model is exported every ${c.modelExportFrequency} (modelExportFrequency) and this run takes about ${Math.round(runSeconds)} s: the ranking model changes too rarely to show learning (--configure sets ${FAST_SETTINGS.modelExportFrequency})`);
  }
  const waitMs = parseDuration(c.rewardWaitTime);
  if (c.rewardAggregation.toLowerCase() !== 'earliest' && waitMs !== null && waitMs > (runSeconds * 1000) / 5) {
    hints.push(`with rewardAggregation ${c.rewardAggregation} an event is learned only rewardWaitTime (${c.rewardWaitTime}) after its Rank (--configure sets ${FAST_SETTINGS.rewardAggregation})`);
  }
  return hints;
}

async function configure(client: PersonalizerClient, policy: string | undefined): Promise<ServiceConfiguration> {
  const current = await client.serviceConfiguration();
  const changed = (Object.keys(FAST_SETTINGS) as (keyof typeof FAST_SETTINGS)[]).some((k) => String(current[k]).toLowerCase() !== FAST_SETTINGS[k].toLowerCase());
  const next = changed ? await client.updateServiceConfiguration({ ...current, ...FAST_SETTINGS }) : current;
  if (policy !== undefined) await client.updatePolicy('simulate', policy);
  return next;
}

export async function runSimulate(argv: string[]): Promise<number> {
  let o: SimulateOptions;
  let scenario: Scenario;
  try {
    o = parseSimulateArgs(argv);
    if (o.help) {
      process.stdout.write(SIMULATE_USAGE);
      return 0;
    }
    if (o.printScenario !== undefined) {
      process.stdout.write(JSON.stringify(BUILTIN_SCENARIOS[o.printScenario], null, 2) + '\n');
      return 0;
    }
    scenario = loadScenario(o.scenario);
  } catch (e) {
    if (e instanceof UsageError) return usage(`${e.message}\n\n${SIMULATE_USAGE}`);
    if (e instanceof ScenarioError) return usage(e.message);
    throw e;
  }

  const embedded = o.url === undefined ? await (await import('./simulate_embedded.js')).startEmbeddedServer(o.port) : undefined;
  const url = o.url ?? embedded!.url;
  const client = new PersonalizerClient(url, o.key ?? embedded!.key);
  const aborter = new AbortController();
  const onSignal = (): void => aborter.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const runSeconds = o.rate > 0 ? o.events / o.rate : o.events / 200;
    let config: ServiceConfiguration;
    if (embedded !== undefined || o.configure) {
      config = await configure(client, o.policy);
      if (o.configure) process.stderr.write(`personalizer simulate: configured the loop at ${url}: ${Object.entries(FAST_SETTINGS).map(([k, v]) => `${k} ${v}`).join(', ')}${o.policy ? `, policy "${o.policy}"` : ''}\n`);
    } else {
      config = await client.serviceConfiguration();
      for (const hint of learningHints(config, runSeconds)) process.stderr.write(`personalizer simulate: hint: ${hint}\n`);
    }
    if (embedded !== undefined) process.stderr.write(`personalizer simulate: embedded server at ${url} (key ${embedded.key}); it stops when the run ends\n`);

    const world = new World(scenario, o.seed);
    const stats = new SimulationStats(o.window);
    const progress = createProgress(o.events);
    const started = Date.now();
    const waitMs = config.rewardAggregation.toLowerCase() === 'earliest' ? 0 : (parseDuration(config.rewardWaitTime) ?? 0);
    try {
      await drive(client, world, stats, {
        events: o.events,
        rate: o.rate,
        concurrency: o.concurrency,
        syncEvery: o.syncEvery,
        syncTimeoutMs: 30_000 + waitMs + 3 * (parseDuration(config.modelExportFrequency) ?? 0),
        runId: o.runId,
        signal: aborter.signal,
        onEvent: () => progress.update(stats.done, stats.rolling()),
      });
    } finally {
      progress.stop();
    }
    const report: SimulationReport = {
      scenario: scenario.name,
      url,
      embedded: embedded !== undefined,
      seed: o.seed,
      runId: o.runId,
      actions: scenario.actions.length,
      events: stats.done,
      requested: o.events,
      seconds: (Date.now() - started) / 1000,
      window: o.window,
      overall: stats.overall(),
      rolling: stats.rolling(),
      start: stats.first(Math.min(o.window, stats.done)),
      digest: stats.digest(),
      interrupted: aborter.signal.aborted,
    };
    process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatSummary(report));
    return 0;
  } catch (e) {
    if (e instanceof PersonalizerHttpError || e instanceof SyncTimeoutError) return failure(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await embedded?.close();
  }
}
