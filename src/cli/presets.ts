// `personalizer presets [--json]`: the named policies (docs/policy-presets.md) that PUT /configurations/policy,
// evaluations, the DefaultPolicy setting and the CLIs' --policy accept in place of VW arguments.
import { POLICY_PRESETS } from '../engine/index.js';

export const PRESETS_USAGE = `Usage: personalizer presets [--json]

Lists the policy presets: names accepted wherever VW policy arguments are (PUT /configurations/policy,
evaluation policies, DefaultPolicy=<name>, --policy of replay, evaluate and bakeoff), each with its arguments.

Options:
  --json      print {"presets":[{name, arguments, description}]} (as GET /configurations/policy/presets)
  -h, --help  show this help
`;

export function presetsTable(): string {
  const width = Math.max(...POLICY_PRESETS.map((p) => p.name.length));
  return POLICY_PRESETS.map((p) => `${p.name.padEnd(width)}  ${p.arguments}\n${' '.repeat(width)}  ${p.description}\n`).join('');
}

export function runPresets(argv: string[]): number {
  const [option, ...rest] = argv;
  if (option === '--help' || option === '-h') {
    process.stdout.write(PRESETS_USAGE);
    return 0;
  }
  if (rest.length > 0 || (option !== undefined && option !== '--json')) {
    process.stderr.write(`personalizer presets: unexpected argument '${option === '--json' ? rest[0] : option}'\n\n${PRESETS_USAGE}`);
    return 2;
  }
  process.stdout.write(option === '--json' ? `${JSON.stringify({ presets: POLICY_PRESETS }, null, 2)}\n` : presetsTable());
  return 0;
}
