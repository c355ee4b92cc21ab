/**
 * Prometheus metrics. Each app owns its registry, so tests and several apps in one process do
 * not share counters. Route labels use the route pattern (`/api/projects/:id`), never the raw
 * path, so label cardinality stays bounded.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

/** What the metrics read from the near cache at scrape time. */
export interface NearCacheFigures {
  readonly hits: number;
  readonly misses: number;
  readonly usedBytes: number;
  readonly live: boolean;
}

export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new SeriesHistogram({
    name: 'contentkv_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly storeDuration = new SeriesHistogram({
    name: 'contentkv_store_operation_duration_seconds',
    help: 'Store operation duration by store and operation.',
    labelNames: ['store', 'operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly mcpCalls = new Counter({
    name: 'contentkv_mcp_tool_calls_total',
    help: 'MCP tool calls by tool and outcome.',
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'contentkv_redis_circuit_state',
    help: 'Redis circuit breaker state: 0 closed, 1 half-open, 2 open.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly repairsQueued = new Counter({
    name: 'contentkv_migration_repairs_queued_total',
    help: 'Writes acknowledged by the authoritative store that failed on the other and were queued for repair.',
    labelNames: ['collection', 'where'] as const,
    registers: [this.registry],
  });

  readonly shadowCompared = new Counter({
    name: 'contentkv_migration_shadow_compared_total',
    help: 'Reads compared between the two stores in shadow and live, by outcome.',
    labelNames: ['collection', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly storeReadDuration = new SeriesHistogram({
    name: 'contentkv_migration_read_duration_seconds',
    help: 'Read latency of each store while the migration routes reads.',
    labelNames: ['store'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly migrationStage = new Gauge({
    name: 'contentkv_migration_stage',
    help: 'Migration stage per collection, as its index: 0 json, 1 dual-write, 2 shadow, 3 live, 4 rampdown, 5 redis.',
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });

  readonly alerts = new Counter({
    name: 'contentkv_alerts_total',
    help: 'Alerts raised, by condition and state (firing, resolved, notice).',
    labelNames: ['condition', 'state'] as const,
    registers: [this.registry],
  });

  readonly alertFiring = new Gauge({
    name: 'contentkv_alert_firing',
    help: 'Whether an alert is firing (1) or not (0), by alert key.',
    labelNames: ['alert'] as const,
    registers: [this.registry],
  });

  readonly alertsDropped = new Counter({
    name: 'contentkv_alerts_dropped_total',
    help: 'Alerts dropped because the webhook queue was full.',
    registers: [this.registry],
  });

  readonly repairQueue = new Gauge({
    name: 'contentkv_migration_repair_queue',
    help: 'Ids waiting in the repair queue, per collection.',
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Gauge({
    name: 'contentkv_migration_dead_letters',
    help: 'Documents in the dead-letter list, per collection.',
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });

  readonly verifyDrift = new Gauge({
    name: 'contentkv_migration_verify_drift',
    help: 'Missing, extra and different documents found by the last verify, per collection.',
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });

  /** The near cache being reported, set by the runtime when Redis has one. */
  nearCache: NearCacheFigures | null = null;
  private nearCounted = { hit: 0, miss: 0 };

  readonly nearCacheLookups = new Counter({
    name: 'contentkv_near_cache_lookups_total',
    help: 'Reads looked up in the in-process near cache, by result (hit, miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
    // Counted by the cache itself (no label lookup on the read path), carried over at scrape time.
    collect: () => {
      const near = this.nearCache;
      if (!near) return;
      this.nearCacheLookups.inc({ result: 'hit' }, near.hits - this.nearCounted.hit);
      this.nearCacheLookups.inc({ result: 'miss' }, near.misses - this.nearCounted.miss);
      this.nearCounted = { hit: near.hits, miss: near.misses };
    },
  });

  readonly nearCacheBytes = new Gauge({
    name: 'contentkv_near_cache_bytes',
    help: 'Bytes held by the near cache (0 while Redis client tracking is not on).',
    registers: [this.registry],
    collect: () => {
      if (this.nearCache) this.nearCacheBytes.set(this.nearCache.usedBytes);
    },
  });

  readonly nearCacheLive = new Gauge({
    name: 'contentkv_near_cache_live',
    help: 'Whether the near cache is serving (1): Redis client tracking is on.',
    registers: [this.registry],
    collect: () => {
      if (this.nearCache) this.nearCacheLive.set(this.nearCache.live ? 1 : 0);
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'contentkv_' });
  }
}
