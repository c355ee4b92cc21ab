/**
 * What every scenario shares in one run: the bench's own redis-server, the token, the compiled
 * baselines, the run's durations, and memoized work (data sets, servers, baseline measurements),
 * so a baseline measured for one row is the same measurement beside every row that needs it and
 * no data set is loaded twice. Scenarios run one at a time: on 2 cores, two loads at once would
 * measure each other.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisServerHandle } from '../../test/support/redis-server.js';
import { DEFAULT_KEY_PREFIX } from '../../src/store/redis/keys.js';
import type { BaselineServer } from './baseline-build.js';
import type { RunOptions } from './load.js';
import type { Target } from './requests.js';
import { seed, type Seeded } from './seed.js';
import { startServer, type ServerProcess, type StartOptions } from './server-process.js';

export const CONNECTIONS = 50;

export interface MainData {
  prefix: string;
  projects: Seeded;
  resources: Seeded;
}

export class Bench {
  readonly token = randomBytes(24).toString('hex');
  readonly connections = CONNECTIONS;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  /**
   * Our server's data directory: a copy of the shipped sample JSON, so the server runs as a site
   * that has moved to Redis (the migrating store, forced to the `redis` stage) and can never
   * write into the repository's data/.
   */
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'contentkv-bench-data-'));

  constructor(
    readonly root: string,
    readonly quick: boolean,
    readonly redis: RedisServerHandle,
    readonly baselinePaths: Record<BaselineServer, string>,
    /** Our compiled entry (a snapshot of dist/cli/main.js, what bin/contentkv.js imports). */
    readonly oursEntry: string,
    private readonly log: (line: string) => void,
    /** Where servers under load write CPU profiles (--profile); cold starts are never profiled. */
    private readonly profileDir: string | null = null,
  ) {
    for (const file of ['projects.json', 'resources.json']) copyFileSync(join(root, 'data', file), join(this.dataDir, file));
  }

  /** Warm-up and measured seconds of every load run. */
  get timing(): RunOptions {
    return this.quick ? { warmupSeconds: 1, seconds: 3, quietSeconds: 0 } : { warmupSeconds: 3, seconds: 10, quietSeconds: 30 };
  }

  progress(line: string): void {
    this.log(line);
  }

  /** A server that reads the bench's Redis, as a load target: its CPU and Redis's are both reported. */
  withRedis(server: ServerProcess): Target {
    return { url: server.url, pid: server.pid, redisPid: this.redis.pid };
  }

  /** Runs `make` once per run; later callers get the same result. */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined;
    if (!value) {
      value = make();
      this.memo.set(key, value);
    }
    return value;
  }

  /** The data set of the issue: 10,000 projects and 10,000 resources under the default prefix. */
  mainData(): Promise<MainData> {
    return this.once('main-data', async () => {
      const projects = await seed(this.redis.url, DEFAULT_KEY_PREFIX, 'projects', 10_000);
      const resources = await seed(this.redis.url, DEFAULT_KEY_PREFIX, 'resources', 10_000);
      this.log(`loaded 10,000 projects and 10,000 resources in ${(projects.seconds + resources.seconds).toFixed(1)} s (putIfNewer, 500 per round trip)`);
      return { prefix: DEFAULT_KEY_PREFIX, projects, resources };
    });
  }

  /** How to start our server (`contentkv serve`, compiled) on a key prefix. */
  oursOptions(options: { prefix?: string; redisUrl?: string; name?: string } = {}): StartOptions {
    return {
      name: options.name ?? 'contentkv serve',
      cwd: this.root,
      args: [this.oursEntry, 'serve'],
      env: {
        REDIS_URL: options.redisUrl ?? this.redis.url,
        CONTENTKV_TOKEN: this.token,
        CONTENTKV_KEY_PREFIX: options.prefix ?? DEFAULT_KEY_PREFIX,
        CONTENTKV_DATA_DIR: this.dataDir,
        CONTENTKV_STAGE: 'redis',
        LOG_LEVEL: 'warn',
      },
    };
  }

  startOurs(options: { prefix?: string; redisUrl?: string; name?: string } = {}): Promise<ServerProcess> {
    return startServer(this.profiled(this.oursOptions(options)));
  }

  private profiled(options: StartOptions): StartOptions {
    if (!this.profileDir) return options;
    const dir = join(this.profileDir, options.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase());
    return { ...options, args: ['--cpu-prof', '--cpu-prof-dir', dir, ...options.args] };
  }

  baselineOptions(name: BaselineServer, env: Record<string, string> = {}): StartOptions {
    return { name: `baseline ${name}`, cwd: this.root, args: [this.baselinePaths[name]], env };
  }

  /** Our server on the main data, started once and kept for every scenario that reads it. */
  oursOnMainData(): Promise<ServerProcess> {
    return this.once('ours-main', async () => {
      await this.mainData();
      const server = await this.startOurs();
      this.cleanups.push(() => server.stop());
      return server;
    });
  }

  startBaseline(name: BaselineServer, env: Record<string, string> = {}): Promise<ServerProcess> {
    return startServer(this.profiled(this.baselineOptions(name, env)));
  }

  /** Starts a baseline, runs `measure` against it, and stops it, so it holds no memory or CPU after. */
  async withBaseline<T>(name: BaselineServer, env: Record<string, string>, measure: (server: ServerProcess) => Promise<T>): Promise<T> {
    const server = await this.startBaseline(name, env);
    try {
      return await measure(server);
    } finally {
      await server.stop();
    }
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
