// Collects raw `Key=Value` settings the way .NET configuration does for Microsoft's Cognitive Services
// containers (docs/azure-api.md §7): command-line `Key=Value` (also `--Key=Value`, `/Key=Value`), environment
// variables with `__` standing for `:`, keys case-insensitive, command line winning over environment.

/** Raw settings: lower-cased `a:b:c` keys → the last value given, plus the spelling first seen (for messages). */
export interface RawSettings {
  values: Map<string, string>;
  /** Argument keys that named no known setting (the container ignores them, as .NET does). */
  unknownArguments: string[];
}

export class SettingsError extends Error {
  constructor(
    /** The setting's canonical name, e.g. `Mounts:Output`. */
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

export function normalizeKey(key: string): string {
  return key.replace(/__/g, ':').toLowerCase();
}

export function collectRawSettings(argv: readonly string[], env: NodeJS.ProcessEnv, known: ReadonlySet<string>): RawSettings {
  const values = new Map<string, string>();
  // Environment first, so that arguments overwrite it.
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const key = normalizeKey(name);
    if (known.has(key)) values.set(key, value);
  }
  const unknownArguments: string[] = [];
  for (const [index, arg] of argv.entries()) {
    const stripped = arg.replace(/^(--|\/)/, '');
    const eq = stripped.indexOf('=');
    if (eq <= 0) {
      // The argument is not echoed: it could be a key typed without its name.
      throw new SettingsError('arguments', `argument #${index + 1} is not of the form Key=Value (e.g. Eula=accept ApiKey=<key>)`);
    }
    const key = normalizeKey(stripped.slice(0, eq));
    if (!known.has(key)) {
      unknownArguments.push(stripped.slice(0, eq));
      continue;
    }
    values.set(key, stripped.slice(eq + 1));
  }
  return { values, unknownArguments };
}
