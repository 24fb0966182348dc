#!/usr/bin/env node
// The `personalizer` command: `serve` runs the Azure-compatible HTTP service, `replay` learns over a DSJSON log
// the way `vw --dsjson` does, `evaluate` compares policies offline over one. Exit codes: 0 ok, 1 runtime failure,
// 2 usage error.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = `Usage: personalizer <command> [options]

Commands:
  serve     Run the Azure AI Personalizer-compatible HTTP service
  replay    Learn over a DSJSON log like \`vw --dsjson\` (see \`personalizer replay --help\`)
  evaluate  Offline evaluation of policies over a DSJSON log (see \`personalizer evaluate --help\`)
  bakeoff   VW's cbify bake-off of policies on a labelled dataset (see \`personalizer bakeoff --help\`)
  simulate  Drive a loop with a simulated application and watch it learn (see \`personalizer simulate --help\`)

Options:
  --help, -h     Show this help
  --version, -v  Show the version
`;

function packageVersion(): string {
  // Walk up from this module to the package root (works from src/ and dist/src/ alike).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** package.json `engines`: crypto.hash (Node 20.12) is the newest API the code uses. */
function nodeTooOld(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major < 20 || (major === 20 && minor < 12);
}

async function main(argv: string[]): Promise<number> {
  // Checked before any command module loads: on an older Node they fail with a missing export of node:crypto.
  if (nodeTooOld(process.versions.node)) {
    process.stderr.write(`personalizer: Node.js ${process.versions.node} is too old: it needs 20.12 or newer (20.12+, 22, 24)\n`);
    return 1;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      // Resolved at run time: the HTTP service is a separate module that replay-only installs never load.
      const serveModule = './serve.js';
      const { runServe } = (await import(serveModule)) as { runServe: (argv: string[]) => Promise<number | void> };
      return (await runServe(rest)) ?? 0;
    }
    case 'replay': {
      const { runReplay } = await import('./replay.js');
      return runReplay(rest);
    }
    case 'evaluate': {
      const { runEvaluate } = await import('./evaluate.js');
      return runEvaluate(rest);
    }
    case 'bakeoff': {
      const { runBakeoff } = await import('./bakeoff.js');
      return runBakeoff(rest);
    }
    case 'simulate': {
      const { runSimulate } = await import('./simulate.js');
      return runSimulate(rest);
    }
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case '--version':
    case '-v':
      process.stdout.write(`personalizer ${packageVersion()}\n`);
      return 0;
    default:
      process.stderr.write(command === undefined ? USAGE : `personalizer: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps the process alive through its server; only set the code, never force an exit.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`personalizer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
