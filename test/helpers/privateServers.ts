/**
 * Private Redis and PostgreSQL servers for the tests and the queue benchmark: Debian's `redis-server`
 * and PostgreSQL, started on loopback on free ports with temporary data directories, and stopped (their
 * directories removed) when asked or when the test process exits. `initdb` and `postgres` refuse to run
 * as root, which CI is: they then run as the `postgres` user (the Debian package creates it), on a data
 * directory it owns.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A running private server. */
export interface PrivateServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A running private PostgreSQL server. */
export interface PrivatePostgres extends PrivateServer {
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

const running = new Set<() => void>();
process.on('exit', () => {
  for (const kill of running) kill();
});

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function until(
  what: string,
  deadlineMs: number,
  probe: () => Promise<boolean>,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not start in ${deadlineMs / 1000} s:\n${log()}`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `redis-server` on a free loopback port with a temporary directory and no persistence. */
export async function startRedis(): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-redis-'));
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  running.add(kill);
  await until(
    'redis-server',
    30_000,
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve(false);
          return;
        }
        const socket = new Socket();
        socket.once('error', () => resolve(false));
        socket.connect(port, '127.0.0.1', () => {
          socket.write('PING\r\n');
          socket.once('data', (data) => {
            socket.destroy();
            resolve(data.toString().startsWith('+PONG'));
          });
        });
      }),
    () => output.join('').slice(-2000),
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      running.delete(kill);
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The directory of the newest PostgreSQL server installed by Debian. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (scripts/setup.sh --test installs it)');
  return join(root, versions[0]!, 'bin');
}

/** Runs a PostgreSQL program, as the `postgres` user when this process is root. */
function asPostgres(program: string, args: string[]): { command: string; args: string[] } {
  return process.getuid?.() === 0
    ? { command: 'runuser', args: ['-u', 'postgres', '--', program, ...args] }
    : { command: program, args };
}

/** Starts PostgreSQL on a free loopback port with a temporary data directory (trust authentication). */
export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'tmu-postgres-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sockets, { mode: 0o755 });
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres:postgres', data, sockets]);
  const init = asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const initialised = spawnSync(init.command, init.args, { encoding: 'utf8' });
  if (initialised.status !== 0)
    throw new Error(
      `initdb failed (${initialised.status}): ${(initialised.stderr || initialised.stdout).slice(-2000)}`,
    );
  const port = await freePort();
  const server = asPostgres(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    sockets,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const output: string[] = [];
  const child = spawn(server.command, server.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  // The postmaster's pid (runuser may stand between it and us): a fast shutdown is SIGINT to it.
  const postmaster = (): number | null => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  };
  const kill = (): void => {
    const pid = postmaster();
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {}
    }
    child.kill('SIGKILL');
  };
  running.add(kill);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  await until(
    'postgres',
    60_000,
    async () => {
      if (child.exitCode !== null) return false;
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    },
    () => output.join('').slice(-2000),
  );
  return {
    url: `${base}/postgres`,
    port,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      running.delete(kill);
      const pid = postmaster();
      if (pid) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {}
      }
      await Promise.race([exited(child), new Promise((resolve) => setTimeout(resolve, 15_000))]);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
