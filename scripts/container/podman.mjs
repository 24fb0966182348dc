// Builds and runs the image with Debian's podman on a machine without a Docker engine or a reachable image
// registry (docs/container.md, "Testing the image"): installs podman, runc and debootstrap from Debian's packages
// when missing, configures podman for an unprivileged sandbox, and makes local stand-ins for the public base
// images the Dockerfile names. A real `docker build` pulls the real images; the Dockerfile is the same.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Dockerfile's defaults (ARG NODE_IMAGE / BASE_IMAGE), as podman names them. */
export const NODE_IMAGE = 'docker.io/library/node:20-bookworm-slim';
export const BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';

/** The CA bundle npm trusts on this kind of machine; handed to the build as the optional `npmca` secret. */
export const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';

export function say(line) {
  process.stdout.write(`# container: ${line}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function check(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}${r.stdout.slice(-4000)}`);
  return r;
}

function onPath(name) {
  return run('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Installs podman, runc and debootstrap from Debian's packages when any is missing (needs root, as CI has). */
export function ensureTools() {
  const missing = [['podman', 'podman'], ['runc', 'runc'], ['debootstrap', 'debootstrap']].filter(([bin]) => !onPath(bin)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  say(`installing ${missing.join(', ')} with apt-get (missing on this machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  check(run('apt-get', ['update', '-qq'], { env }), 'apt-get update');
  check(run('apt-get', ['install', '-y', '-qq', ...missing], { env }), 'apt-get install');
}

/**
 * A podman client for this sandbox: no cgroup v2 delegation and no right to raise rlimits, hence cgroupfs and no
 * default ulimits; runc, because crun refuses hybrid cgroups here.
 */
export class Podman {
  constructor(workDir) {
    this.conf = join(workDir, 'containers.conf');
    writeFileSync(this.conf, '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n');
  }

  run(args, opts = {}) {
    return run('podman', ['--runtime', 'runc', ...args], { ...opts, env: { ...process.env, CONTAINERS_CONF: this.conf, ...opts.env } });
  }

  /** Starts podman without waiting for it (an attached `podman run`); the caller reads its output and exit. */
  spawn(args) {
    return spawn('podman', ['--runtime', 'runc', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CONTAINERS_CONF: this.conf } });
  }

  ok(args, what = `podman ${args[0]}`, opts = {}) {
    return check(this.run(args, opts), what).stdout.trim();
  }

  imageExists(name) {
    return this.run(['image', 'exists', name]).status === 0;
  }

  /** The image's size in bytes, as `podman image inspect` reports it. */
  imageSize(name) {
    return Number(this.ok(['image', 'inspect', '--format', '{{.Size}}', name]));
  }
}

/**
 * Makes the base images the Dockerfile names when podman's storage lacks them: Debian bookworm from debootstrap
 * (minbase) for `debian:bookworm-slim`, and the same plus this machine's own Node (binary, npm, headers, laid out as
 * the official image does under /usr/local) for `node:20-bookworm-slim`. They stay in podman's storage, so a later
 * run skips this.
 */
export function ensureBaseImages(podman) {
  const wanted = [BASE_IMAGE, NODE_IMAGE].filter((n) => !podman.imageExists(n));
  if (wanted.length === 0) return false;
  const nodeBin = run('sh', ['-c', 'command -v node']).stdout.trim();
  const nodeVersion = run(nodeBin, ['--version']).stdout.trim();
  if (!/^v20\./.test(nodeVersion)) throw new Error(`the node:20 stand-in needs Node 20 on this machine, found ${nodeVersion}`);
  say(`making stand-ins for ${wanted.join(' and ')} (debootstrap bookworm + this machine's Node ${nodeVersion}); done once`);
  const work = mkdtempSync(join(tmpdir(), 'personalizer-base-'));
  try {
    const rootfs = join(work, 'rootfs');
    check(run('debootstrap', ['--variant=minbase', 'bookworm', rootfs]), 'debootstrap');
    slim(rootfs);
    const importImage = (name, cmd) => {
      const tar = join(work, 'rootfs.tar');
      check(run('tar', ['-C', rootfs, '-cf', tar, '.']), 'tar');
      podman.ok(['import', '--change', `CMD ${JSON.stringify(cmd)}`, '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', tar, name], `podman import ${name}`);
      rmSync(tar);
    };
    if (!podman.imageExists(BASE_IMAGE)) importImage(BASE_IMAGE, ['bash']);
    if (!podman.imageExists(NODE_IMAGE)) {
      const local = join(rootfs, 'usr', 'local');
      mkdirSync(join(local, 'bin'), { recursive: true });
      copyFileSync(nodeBin, join(local, 'bin', 'node'));
      cpSync(join(dirname(dirname(nodeBin)), 'lib', 'node_modules', 'npm'), join(local, 'lib', 'node_modules', 'npm'), { recursive: true });
      const headers = join(dirname(dirname(nodeBin)), 'include', 'node');
      if (existsSync(headers)) cpSync(headers, join(local, 'include', 'node'), { recursive: true, dereference: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
      symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
      importImage(NODE_IMAGE, ['node']);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return true;
}

/**
 * Trims a debootstrap tree as Debian's official slim images are trimmed (debuerreotype's slimify): no package
 * lists, documentation, manual pages or translations, and dpkg told to leave them out of later installs, so that
 * the stand-in weighs what the real image does and image sizes measured on it mean the same.
 */
function slim(rootfs) {
  const excluded = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*', '/usr/share/groff/*', '/usr/share/lintian/*'];
  for (const dir of [...excluded.map((p) => p.slice(1, -2)), 'var/lib/apt/lists', 'var/cache/apt']) {
    rmSync(join(rootfs, dir), { recursive: true, force: true });
    mkdirSync(join(rootfs, dir), { recursive: true });
  }
  mkdirSync(join(rootfs, 'var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
  mkdirSync(join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
  const keep = ['/usr/share/doc/*/copyright'];
  writeFileSync(join(rootfs, 'etc', 'dpkg', 'dpkg.cfg.d', 'docker'), [...excluded.map((p) => `path-exclude ${p}`), ...keep.map((p) => `path-include ${p}`), ''].join('\n'));
}

/** Builds the image in Docker format (which keeps HEALTHCHECK), with the npm CA secret when this machine has one. */
export function buildImage(podman, tag) {
  const args = ['build', '--format', 'docker', '--pull=never', '--network=host', '-t', tag];
  if (existsSync(SYSTEM_CA)) args.push('--secret', `id=npmca,src=${SYSTEM_CA}`);
  args.push(ROOT);
  podman.ok(args, 'podman build');
}
