// Reads what the deployment files in deploy/ and the Dockerfile tell the server: its arguments, environment,
// port, probe paths and health check. For the tests that hold those files to the server (manifests.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../conformance/harness.js';

export interface ServerInvocation {
  /** `Key=Value` arguments after the image's entrypoint. */
  args: string[];
  /** Environment variables as the container gets them. */
  env: Record<string, string>;
}

export function deployPath(...parts: string[]): string {
  return join(repoRoot(), 'deploy', ...parts);
}

export function readYaml(path: string): any {
  return parse(readFileSync(path, 'utf8'));
}

/** `deploy/.env.example` as Compose reads a `.env` file: `NAME=value` lines, `#` comments. */
export function readEnvExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(deployPath('.env.example'), 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/**
 * Compose's variable interpolation (https://docs.docker.com/reference/compose-file/interpolation/) for the three
 * forms compose.yaml uses: `${VAR}`, `${VAR:-default}` and `${VAR:?error}`.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_all, name: string, op: string | undefined, arg: string) => {
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

/** compose.yaml with the variables of `.env.example` filled in. */
export function readCompose(): any {
  return parse(interpolate(readFileSync(deployPath('compose.yaml'), 'utf8'), readEnvExample()));
}

/** How Compose starts the server service: its `command` and `environment` (map or list form). */
export function composeInvocation(service: any): ServerInvocation {
  const args = Array.isArray(service.command) ? service.command.map(String) : String(service.command ?? '').split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  if (Array.isArray(service.environment)) {
    for (const item of service.environment as string[]) {
      const eq = item.indexOf('=');
      env[item.slice(0, eq)] = item.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = String(v);
  }
  return { args, env };
}

/** The Kubernetes manifests in deploy/kubernetes, by kind. */
export function readKubernetes(): { deployment: any; service: any; secret: any; kustomization: any } {
  const read = (f: string): any => readYaml(deployPath('kubernetes', f));
  return {
    deployment: read('deployment.yaml'),
    service: read('service.yaml'),
    secret: read('secret.yaml'),
    kustomization: read('kustomization.yaml'),
  };
}

/** How the Deployment starts the server: `args` and `env`, secret references resolved from secret.yaml. */
export function kubernetesInvocation(container: any, secret: any): ServerInvocation {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref?.name !== secret.metadata.name) throw new Error(`env ${e.name} refers to secret ${ref?.name}, not ${secret.metadata.name}`);
      const value = secret.stringData?.[ref.key];
      if (value === undefined) throw new Error(`env ${e.name} refers to key ${ref.key}, absent from secret ${secret.metadata.name}`);
      env[e.name] = String(value);
    }
  }
  return { args: (container.args ?? []).map(String), env };
}

export interface DockerfileFacts {
  expose: string[];
  volumes: string[];
  workdir: string;
  /** The HEALTHCHECK's exec-form command. */
  healthcheck: string[];
  entrypoint: string[];
  user: string;
}

/** The final stage of the Dockerfile: its EXPOSE, VOLUME, WORKDIR, HEALTHCHECK, ENTRYPOINT and USER. */
export function readDockerfile(): DockerfileFacts {
  const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const final = lines.slice(lastFrom);
  const all = (word: string): string[] => final.filter((l) => l.toUpperCase().startsWith(word + ' ')).map((l) => l.slice(word.length).trim());
  const json = (s: string): string[] => JSON.parse(s) as string[];
  const health = all('HEALTHCHECK')[0] ?? '';
  const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(health);
  return {
    expose: all('EXPOSE').flatMap((s) => s.split(/\s+/)),
    volumes: all('VOLUME').flatMap((s) => (s.startsWith('[') ? json(s) : s.split(/\s+/))),
    workdir: all('WORKDIR').at(-1) ?? '/',
    healthcheck: cmd ? json(cmd[1]!) : [],
    entrypoint: json(all('ENTRYPOINT').at(-1) ?? '[]'),
    user: all('USER').at(-1) ?? '',
  };
}

/** The path of `http://127.0.0.1:<port><path>` inside a health-check command, with its port. */
export function healthcheckUrl(command: readonly string[]): URL {
  const m = /https?:\/\/[^'"\s)]+/.exec(command.join(' '));
  if (!m) throw new Error(`no URL in health check ${JSON.stringify(command)}`);
  return new URL(m[0]);
}
