// `--policy "--cb_explore_adf …"`: node's parseArgs refuses a value that looks like an option, so the commands
// rewrite every value-taking option as `--name=value` before parsing.

/** valueOptions: each value-taking spelling (`-d`, `--dsjson`) → its parseArgs name (`dsjson`). */
export function joinValues(argv: readonly string[], valueOptions: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const name = valueOptions[argv[k]!];
    if (name !== undefined && k + 1 < argv.length) out.push(`--${name}=${argv[++k]}`);
    else out.push(argv[k]!);
  }
  return out;
}
