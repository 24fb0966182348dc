// Command line of `personalizer replay`: the subset of `vw --dsjson` options that replaying a log needs.
import { parseArgs } from 'node:util';
import { PolicyArgumentError, resolvePolicyArguments } from '../engine/index.js';
import { joinValues } from './option_values.js';

export const REPLAY_USAGE = `Usage: personalizer replay --dsjson <file[.gz]> [options]

Learns progressively over a DSJSON log exactly as \`vw --dsjson <policy>\` does: each event is predicted
before it is learned from; the summary (VW's wording) goes to stderr.

Options:
  -d, --dsjson <file>        DSJSON log, plain or gzip (detected by content)
  --policy "<vw args>"       learning policy (default: the model's options with -i, else
                             "--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::"),
                             or a preset name (\`personalizer presets\`: recommended, squarecb, ...)
                             --cb_adf alone (no exploration) ranks by score: -p prints the
                             top action, with --rank_all every action's score;
                             --ccb_explore_adf replays a multi-slot (CCB) log: -p prints
                             one line per slot (index:prob,..., chosen first), then a blank line
  -p, --predictions <file>   write VW -p predictions (index:prob,... per event, then a blank line)
  -f, --final_regressor <f>  save the final model (VW 9.10 binary)
  --predict_only_model       save -f without the resumable learner state
  -i, --initial_regressor <f>  start from this model
  -t, --testonly             predict only, never learn
  --readable_model <file>    write the final model in VW's --readable_model text form
  --quiet                    no progress output
  -h, --help                 show this help
`;

export interface ReplayOptions {
  dsjson: string;
  policy?: string;
  predictions?: string;
  finalRegressor?: string;
  predictOnlyModel: boolean;
  initialRegressor?: string;
  testOnly: boolean;
  readableModel?: string;
  quiet: boolean;
  help: boolean;
}

export class UsageError extends Error {}

/** Options that take a value, by every spelling, mapped to their long name. */
const VALUE_OPTIONS: Record<string, string> = {
  '-d': 'dsjson',
  '--dsjson': 'dsjson',
  '--policy': 'policy',
  '-p': 'predictions',
  '--predictions': 'predictions',
  '-f': 'final_regressor',
  '--final_regressor': 'final_regressor',
  '-i': 'initial_regressor',
  '--initial_regressor': 'initial_regressor',
  '--readable_model': 'readable_model',
};

export function parseReplayArgs(argv: string[]): ReplayOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv, VALUE_OPTIONS),
      strict: true,
      allowPositionals: false,
      options: {
        dsjson: { type: 'string', short: 'd' },
        policy: { type: 'string' },
        predictions: { type: 'string', short: 'p' },
        final_regressor: { type: 'string', short: 'f' },
        predict_only_model: { type: 'boolean', default: false },
        initial_regressor: { type: 'string', short: 'i' },
        testonly: { type: 'boolean', short: 't', default: false },
        readable_model: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { dsjson: '', predictOnlyModel: false, testOnly: false, quiet: false, help: true };
  if (!values.dsjson) throw new UsageError('--dsjson <file> is required');
  return {
    dsjson: values.dsjson,
    policy: values.policy === undefined ? undefined : resolvePolicyArguments(values.policy),
    predictions: values.predictions,
    finalRegressor: values.final_regressor,
    predictOnlyModel: values.predict_only_model ?? false,
    initialRegressor: values.initial_regressor,
    testOnly: values.testonly ?? false,
    readableModel: values.readable_model,
    quiet: values.quiet ?? false,
    help: false,
  };
}

/**
 * `--json` in `--policy` asks VW to read its plain JSON examples (one per line, labels inside `_multi`, no DSJSON
 * envelope). replay reads DSJSON only, and a plain JSON file read as DSJSON yields no event, so it is refused
 * rather than ignored. VW's own tests use `--json` with our options only together with `--cover`, which the
 * engine does not implement. (The server keeps accepting `--json`: Azure's client used it for Rank contexts.)
 */
export function refuseJsonInput(policy: string | undefined): void {
  if (policy !== undefined && /(^|\s)--json(=|\s|$)/.test(policy)) {
    throw new PolicyArgumentError(
      '--json',
      "replay reads DSJSON logs only (--dsjson <file>); VW's plain JSON input (vw --json) is not supported: " +
        'drop --json from --policy for a DSJSON log (VW reads DSJSON when both are given), or convert the log to DSJSON',
    );
  }
}
