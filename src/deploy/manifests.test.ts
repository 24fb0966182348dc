// The deployment files (deploy/compose.yaml, deploy/haproxy.cfg, deploy/kubernetes/*) and the Dockerfile name
// settings, ports, probe paths and a health check: each is held to the server itself. Setting names must be the
// server's; the port must be its default; the probes and the image's health check must answer on a real server
// started with the settings those files give (the PostgreSQL URL replaced by a SQLite file, since the `db` host
// of a deployment does not resolve here).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, parseSettings, SETTING_NAMES } from '../settings/settings.js';
import { normalizeKey } from '../settings/sources.js';
import { freePort, repoRoot, serverAvailable, serverEntry, startServer } from '../conformance/harness.js';
import {
  composeInvocation,
  deployPath,
  healthcheckUrl,
  interpolate,
  kubernetesInvocation,
  readCompose,
  readDockerfile,
  readKubernetes,
  type ServerInvocation,
} from './manifests.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);
const KNOWN = new Set(SETTING_NAMES.map((n) => n.toLowerCase()));

/** Every argument and environment variable names one of the server's settings (`__` standing for `:`). */
function assertKnownSettings(inv: ServerInvocation, where: string): void {
  for (const arg of inv.args) {
    const eq = arg.indexOf('=');
    assert.ok(eq > 0, `${where}: argument ${arg} is not Key=Value`);
    assert.ok(KNOWN.has(normalizeKey(arg.slice(0, eq))), `${where}: argument ${arg.slice(0, eq)} names no setting`);
  }
  for (const name of Object.keys(inv.env)) assert.ok(KNOWN.has(normalizeKey(name)), `${where}: environment variable ${name} names no setting`);
}

/** Runs a health-check command (exec form, `node -e …`) with this machine's node against `port`; its exit code. */
function runHealthcheck(command: readonly string[], port: number): number | null {
  assert.equal(command[0], 'node', `health check runs ${command[0]}`);
  const args = command.slice(1).map((a) => a.replace('127.0.0.1:5000/', `127.0.0.1:${port}/`));
  return spawnSync(process.execPath, args, { timeout: 10_000 }).status;
}

/** Starts a real server with a deployment's settings (Store on SQLite instead) and checks what it must answer. */
async function serveAs(inv: ServerInvocation, probes: string[], healthchecks: string[][]): Promise<void> {
  const env = { ...inv.env };
  delete env['Store'];
  const server = await startServer({ args: inv.args, env, key: inv.env['ApiKey'] });
  try {
    for (const path of probes) {
      const r = await fetch(server.url + path);
      const body = await r.text();
      assert.equal(r.status, 200, `GET ${path}: ${r.status} ${body}`);
    }
    // The key the deployment gives is the one the server takes.
    const rank = await fetch(`${server.base}/rank`, {
      method: 'POST',
      headers: { 'Ocp-Apim-Subscription-Key': inv.env['ApiKey']!, 'Content-Type': 'application/json' },
      body: JSON.stringify({ contextFeatures: [{ a: 1 }], actions: [{ id: 'x', features: [{ b: 1 }] }, { id: 'y', features: [{ b: 2 }] }] }),
    });
    assert.equal(rank.status, 201, await rank.text());
    for (const hc of healthchecks) assert.equal(runHealthcheck(hc, server.port), 0, `health check ${JSON.stringify(hc)} against the server`);
  } finally {
    await server.stop();
    server.cleanup();
  }
  // And it fails where nothing listens, so the checks above could fail.
  const closed = await freePort();
  for (const hc of healthchecks) assert.equal(runHealthcheck(hc, closed), 1, `health check ${JSON.stringify(hc)} with nothing listening`);
}

describe('Dockerfile', () => {
  const df = readDockerfile();

  test('exposes the server default port, runs `serve` as uid 1000, keeps the default store in a volume', () => {
    assert.deepEqual(df.expose, [String(DEFAULTS.port)]);
    assert.deepEqual(df.expose, ['5000']);
    assert.equal(df.user, '1000:1000');
    assert.deepEqual(df.entrypoint.slice(0, 1), ['node']);
    assert.equal(join(repoRoot(), df.entrypoint[1]!), serverEntry());
    assert.equal(df.entrypoint[2], 'serve');
    // sqlite:./data/personalizer.db, relative to WORKDIR /app: /app/data/personalizer.db, inside a volume.
    const file = DEFAULTS.store.replace(/^sqlite:/, '');
    const dataDir = join(df.workdir, file, '..');
    assert.equal(dataDir, '/app/data');
    assert.ok(df.volumes.includes(dataDir), `volumes ${df.volumes.join(', ')}`);
  });

  test('HEALTHCHECK asks /ready on the exposed port', () => {
    const url = healthcheckUrl(df.healthcheck);
    assert.equal(url.pathname, '/ready');
    assert.equal(url.port, df.expose[0]);
  });

  test('.dockerignore sends the sources without their tests; the build deletes the test helpers it compiled', () => {
    const lines = readFileSync(join(repoRoot(), '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const pattern of ['**', '!src/**', '!package-lock.json', 'src/**/*.test.ts']) assert.ok(lines.includes(pattern), `.dockerignore lacks ${pattern}`);
    const dockerfile = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /rm -rf dist\/bench dist\/src\/conformance dist\/src\/testing dist\/src\/deploy /);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = readCompose();
  const server = compose.services.personalizer;
  const inv = composeInvocation(server);

  test('interpolation refuses a missing key the way Compose does', () => {
    assert.throws(() => interpolate('${PERSONALIZER_API_KEY:?set it}', {}), /PERSONALIZER_API_KEY: set it/);
    assert.equal(interpolate('${B:-https://x/}', {}), 'https://x/');
  });

  test('two replicas of the server on PostgreSQL, a database with a health check, one published port on the balancer', () => {
    assert.equal(server.deploy?.replicas, 2);
    assert.equal(server.build, '..');
    assert.match(server.image, /^personalizer/);
    assert.equal(server.ports, undefined, 'replicas publish no port; the balancer does');
    assert.equal(inv.env['Store'], 'postgres://personalizer:change-me@db:5432/personalizer');
    const db = compose.services.db;
    assert.match(db.image, /^postgres:/);
    assert.equal(db.environment.POSTGRES_USER, 'personalizer');
    assert.equal(db.environment.POSTGRES_DB, 'personalizer');
    assert.equal(db.environment.POSTGRES_PASSWORD, 'change-me');
    assert.deepEqual(server.depends_on, { db: { condition: 'service_healthy' } });
    assert.deepEqual(compose.services.lb.ports, [`${DEFAULTS.port}:${DEFAULTS.port}`]);
  });

  test('every argument and environment variable names a server setting, and the server accepts them', () => {
    assertKnownSettings(inv, 'compose');
    const settings = parseSettings(inv.args, inv.env);
    assert.equal(settings.port, 5000);
    assert.equal(settings.host, '0.0.0.0');
    assert.equal(settings.apiKey, 'change-me');
    assert.equal(settings.billing, 'https://personalizer.cognitiveservices.azure.com/');
    assert.match(settings.store, /^postgres:\/\//);
    assert.deepEqual(settings.unknownArguments, []);
  });

  test('haproxy.cfg balances over the replicas on the server port and checks /ready', () => {
    const cfg = readFileSync(deployPath('haproxy.cfg'), 'utf8');
    const template = /^\s*server-template\s+\S+\s+(\d+)\s+([\w.-]+):(\d+)\s*$/m.exec(cfg);
    assert.ok(template, 'a server-template line');
    assert.equal(Number(template[1]), server.deploy.replicas, 'as many servers as replicas');
    assert.equal(template[2], 'personalizer', 'the compose service name');
    assert.equal(Number(template[3]), DEFAULTS.port);
    assert.match(cfg, /^\s*option httpchk GET \/ready\s*$/m);
    assert.match(cfg, /^\s*http-check expect status 200\s*$/m);
    assert.match(cfg, new RegExp(`^\\s*bind :${DEFAULTS.port}\\s*$`, 'm'));
    assert.ok(compose.services.lb.volumes.some((v: string) => v.startsWith('./haproxy.cfg:')));
  });

  test('a real server started with these settings answers its probes and the compose health check', { skip, timeout: 600_000 }, async () => {
    const hc = server.healthcheck.test as string[];
    assert.equal(hc[0], 'CMD');
    assert.equal(healthcheckUrl(hc).pathname, '/ready');
    await serveAs(inv, ['/ready', '/ContainerLiveness', '/status'], [hc.slice(1), readDockerfile().healthcheck]);
  });
});

describe('deploy/kubernetes', () => {
  const k = readKubernetes();
  const pod = k.deployment.spec.template;
  const container = pod.spec.containers[0];
  const inv = kubernetesInvocation(container, k.secret);
  const portNamed = (name: string | number): number =>
    typeof name === 'number' ? name : container.ports.find((p: { name: string }) => p.name === name).containerPort;

  test('kustomization lists every manifest, and every manifest is listed', () => {
    assert.deepEqual([...k.kustomization.resources].sort(), ['deployment.yaml', 'secret.yaml', 'service.yaml']);
  });

  test('Deployment: two replicas, port 5000, readiness on /ready and liveness on /ContainerLiveness', () => {
    assert.equal(k.deployment.spec.replicas, 2);
    assert.deepEqual(k.deployment.spec.selector.matchLabels, pod.metadata.labels);
    assert.equal(container.ports.length, 1);
    assert.equal(container.ports[0].containerPort, DEFAULTS.port);
    assert.equal(container.readinessProbe.httpGet.path, '/ready');
    assert.equal(portNamed(container.readinessProbe.httpGet.port), DEFAULTS.port);
    assert.equal(container.livenessProbe.httpGet.path, '/ContainerLiveness');
    assert.equal(portNamed(container.livenessProbe.httpGet.port), DEFAULTS.port);
    assert.equal(pod.spec.securityContext.runAsUser, 1000, 'the image user');
    assert.ok(pod.spec.terminationGracePeriodSeconds > 30, 'longer than the server own stop time-out');
  });

  test('Service selects the pods and targets the container port', () => {
    assert.deepEqual(k.service.spec.selector, pod.metadata.labels);
    assert.equal(portNamed(k.service.spec.ports[0].targetPort), DEFAULTS.port);
  });

  test('the key and the database URL come from the Secret; every name is a server setting the server accepts', () => {
    const fromSecret = container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name).sort();
    assert.deepEqual(fromSecret, ['ApiKey', 'Store']);
    assert.equal(inv.env['Store'], 'postgres://user:pass@db:5432/personalizer');
    assertKnownSettings(inv, 'kubernetes');
    const settings = parseSettings(inv.args, inv.env);
    assert.equal(settings.port, portNamed('http'));
    assert.equal(settings.apiKey, k.secret.stringData['api-key']);
    assert.equal(settings.store, k.secret.stringData['store-url']);
    assert.deepEqual(settings.unknownArguments, []);
  });

  test('a real server started with these settings answers both probes', { skip, timeout: 600_000 }, async () => {
    await serveAs(inv, [container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path], []);
  });
});
