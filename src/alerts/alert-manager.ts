/**
 * Raises alerts on its own: it evaluates the migration status every few seconds (mismatch rate,
 * repair queue, dead letters, verify drift, stage changes) and hears the Redis circuit change.
 * Each alert fires once when its condition starts and once more when it clears. Conditions of
 * the shared migration state are claimed in Redis, so one instance notifies, not all of them;
 * the circuit is each instance's own. Alerts go to the webhook, the dashboard and /metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MigrationStateStore } from '../migration/state-store.js';
import { STAGES } from '../migration/stages.js';
import type { MigrationStatus } from '../migration/status.js';
import type { Metrics } from '../observability/metrics.js';
import type { CircuitName, ResilientDriver } from '../store/redis/resilient-driver.js';
import { activeConditions, type ActiveCondition, type AlertThresholds, type RecentComparisons } from './conditions.js';
import type { WebhookSender } from './webhook.js';

export interface Alert {
  id: string;
  key: string;
  condition: string;
  collection: string | null;
  severity: 'info' | 'warning' | 'critical';
  /** `firing` and `resolved` for conditions; `notice` for one-off events (a stage change). */
  state: 'firing' | 'resolved' | 'notice';
  message: string;
  at: string;
  details: Record<string, unknown>;
}

export interface AlertManagerOptions {
  status?: () => Promise<MigrationStatus>;
  state?: MigrationStateStore;
  driver?: ResilientDriver | null;
  webhook?: WebhookSender | null;
  metrics: Metrics;
  logger: Logger;
  thresholds?: Partial<AlertThresholds>;
  intervalMs?: number;
  /** The window the shadow mismatch rate is measured over, so the alert clears once reads agree again. */
  windowMs?: number;
}

export class AlertManager {
  private readonly recentAlerts: Alert[] = [];
  private readonly states = new Map<string, string>();
  /** Whether the alert states kept in Redis were read (they are read once, on the first evaluation that can). */
  private sharedLoaded = false;
  private previous: MigrationStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private evaluating: Promise<void> | null = null;
  private readonly thresholds: AlertThresholds;
  /** Samples of the cumulative comparison counters, to measure the rate over the window. */
  private readonly samples: { at: number; counters: RecentComparisons }[] = [];

  constructor(private readonly options: AlertManagerOptions) {
    this.thresholds = { mismatchRate: 0.01, minCompared: 20, ...options.thresholds };
  }

  start(): void {
    this.unsubscribe = this.options.driver?.onCircuitChange((circuit) => void this.circuitChanged(circuit)) ?? null;
    if (this.options.status) {
      this.timer = setInterval(() => void this.evaluate(), this.options.intervalMs ?? 5_000);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  recent(limit = 50): Alert[] {
    return this.recentAlerts.slice(0, limit);
  }

  /**
   * Alerts firing now: the latest one of each key this instance raised, and those that another
   * instance (or this one before a restart) raised, known from their state in Redis.
   */
  firing(): Alert[] {
    const latest = new Map<string, Alert>();
    for (const alert of [...this.recentAlerts].reverse()) if (alert.state !== 'notice') latest.set(alert.key, alert);
    for (const [key, state] of this.states) {
      if (state !== 'firing' || latest.has(key)) continue;
      const [condition = key, collection = null] = key.split(':');
      latest.set(key, {
        id: `state:${key}`, key, condition, collection, severity: 'warning', state: 'firing', at: '', details: {},
        message: `${key} is firing (raised before this instance started, or by another instance)`,
      });
    }
    return [...latest.values()].filter((alert) => alert.state === 'firing');
  }

  /** One evaluation of the migration conditions; concurrent calls share it. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.runEvaluation().finally(() => {
      this.evaluating = null;
    });
    return this.evaluating;
  }

  private async runEvaluation(): Promise<void> {
    if (!this.options.status) return;
    let status: MigrationStatus;
    try {
      status = await this.options.status();
    } catch (error) {
      this.options.logger.debug({ err: error }, 'alert evaluation skipped: no status');
      return;
    }
    // Without Redis the shared state cannot be read or claimed: hold every alert as it is until it answers.
    if (!status.redisReachable) return;
    if (!this.sharedLoaded && this.options.state) {
      // Alerts raised before this process started, once: what this process saw since (a circuit
      // change while Redis was away) is newer and stays.
      const shared = await this.options.state.alertStates().catch(() => null);
      if (shared) {
        for (const [key, state] of Object.entries(shared)) if (!this.states.has(key)) this.states.set(key, state);
        this.sharedLoaded = true;
      }
    }
    const active = activeConditions(status, this.previous, this.recentComparisons(status), this.thresholds);
    const activeKeys = new Set(active.map((condition) => condition.key));
    for (const condition of active) await this.transition(condition.key, 'firing', condition);
    for (const [key, state] of this.states) {
      if (state === 'firing' && !activeKeys.has(key) && !key.startsWith('stage:') && !key.startsWith('circuit:')) {
        await this.transition(key, 'resolved', { key, condition: key.split(':')[0] as ActiveCondition['condition'], collection: key.split(':')[1] ?? '', severity: 'warning', message: `${key}: cleared`, details: {} });
      }
    }
    for (const [collection, now] of Object.entries(status.collections)) {
      const key = `stage:${collection}`;
      const value = `${now.stage}:${now.readPercent}`;
      const known = this.states.get(key);
      if (known === value) continue;
      // The first stage ever recorded is not a change; every later one is announced once.
      if ((await this.claim(key, value)) && known !== undefined) {
        this.emit({
          key, condition: 'stage-change', collection, severity: 'info', state: 'notice',
          message: `${collection} moved from ${known.split(':')[0]} to ${now.stage}${now.stage === 'live' ? ` (${now.readPercent}% of reads from Redis)` : ''}`,
          details: { stage: now.stage, readPercent: now.readPercent, from: known.split(':')[0] },
        });
      }
    }
    this.updateGauges(status);
    this.previous = status;
  }

  private recentComparisons(status: MigrationStatus): RecentComparisons {
    const now = Date.now();
    const counters: RecentComparisons = Object.fromEntries(Object.entries(status.collections).map(([c, state]) => [c, { compared: state.shadow.compared, mismatched: state.shadow.mismatched }]));
    this.samples.push({ at: now, counters });
    const windowStart = now - (this.options.windowMs ?? 300_000);
    while (this.samples.length > 1 && (this.samples[1]?.at ?? now) <= windowStart) this.samples.shift();
    const oldest = this.samples[0]?.counters ?? counters;
    return Object.fromEntries(
      Object.entries(counters).map(([c, value]) => [c, { compared: value.compared - (oldest[c]?.compared ?? 0), mismatched: value.mismatched - (oldest[c]?.mismatched ?? 0) }]),
    );
  }

  private updateGauges(status: MigrationStatus): void {
    const { metrics } = this.options;
    for (const [collection, state] of Object.entries(status.collections)) {
      metrics.migrationStage.set({ collection }, STAGES.indexOf(state.stage));
      metrics.repairQueue.set({ collection }, (state.repairQueue.redis ?? 0) + state.repairQueue.journal);
      metrics.deadLetters.set({ collection }, state.deadLetters.count);
      const verify = state.lastVerify;
      metrics.verifyDrift.set({ collection }, verify ? verify.missing + verify.extra + verify.different : 0);
    }
  }

  private async claim(key: string, state: string): Promise<boolean> {
    let changed: boolean;
    try {
      changed = this.options.state ? await this.options.state.transitionAlert(key, state) : this.states.get(key) !== state;
    } catch {
      // Not recorded in Redis, so not here either: the next evaluation tries again.
      return false;
    }
    this.states.set(key, state);
    return changed;
  }

  private async transition(key: string, state: 'firing' | 'resolved', condition: ActiveCondition): Promise<void> {
    if (this.states.get(key) === state) return;
    if (!(await this.claim(key, state))) return;
    this.emit({ key, condition: condition.condition, collection: condition.collection, severity: condition.severity, state, message: state === 'resolved' ? `resolved: ${condition.message}` : condition.message, details: condition.details });
  }

  private circuitChanged(circuit: CircuitName): void {
    const driver = this.options.driver as ResilientDriver;
    const key = `circuit:${driver.endpoint}`;
    if (circuit === 'half-open') return;
    const state = circuit === 'open' ? 'firing' : 'resolved';
    if ((this.states.get(key) ?? 'resolved') === state) return;
    this.states.set(key, state);
    this.emit({
      key, condition: 'circuit', collection: null, severity: 'critical', state,
      message: state === 'firing' ? `the circuit to Redis (${driver.endpoint}) opened after repeated failures; writes to Redis fail fast` : `the circuit to Redis (${driver.endpoint}) closed: Redis answers again`,
      details: { endpoint: driver.endpoint, circuit },
    });
  }

  private emit(fields: Omit<Alert, 'id' | 'at'>): void {
    const alert: Alert = { id: randomUUID(), at: new Date().toISOString(), ...fields };
    this.recentAlerts.unshift(alert);
    this.recentAlerts.length = Math.min(this.recentAlerts.length, 200);
    this.options.metrics.alerts.inc({ condition: alert.condition, state: alert.state });
    if (alert.state !== 'notice') this.options.metrics.alertFiring.set({ alert: alert.key }, alert.state === 'firing' ? 1 : 0);
    (alert.state === 'firing' ? this.options.logger.warn.bind(this.options.logger) : this.options.logger.info.bind(this.options.logger))({ alert: alert.key, state: alert.state }, alert.message);
    this.options.webhook?.send({ source: 'contentkv', ...alert });
  }
}
