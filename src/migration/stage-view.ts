/**
 * Each instance's view of the migration stage: read from Redis every `refreshMs` (so every
 * instance follows a change within about two refreshes), overridden per collection by
 * CONTENTKV_STAGE. When Redis cannot be read, the last known stage stays in force: nobody can
 * change the stage without Redis either. Before the first successful read, the stage is
 * unknown: reads fall back to the default and writes are refused.
 *
 * Writes wait while a fence is up: the engine raises one while it switches which store is
 * authoritative, so no instance can commit to the old authoritative store after another has
 * committed to the new one.
 */
import type { Collection } from '../domain/collections.js';
import { StoreUnavailableError } from '../domain/errors.js';
import type { StageSetting } from './override.js';
import type { MigrationStateStore, StoredState } from './state-store.js';
import type { Stage } from './stages.js';

export interface CollectionView {
  stage: Stage;
  readPercent: number;
  source: 'redis' | 'override' | 'default';
}

export interface StageSnapshot {
  collections: Record<Collection, CollectionView>;
  paused: boolean;
  fenceUntil: number;
  epoch: number;
  /** When Redis last answered; 0 if never. */
  fetchedAt: number;
  /** Why the last refresh failed, if it did. */
  error: string | null;
}

export interface StageViewOptions {
  state: MigrationStateStore;
  override: Partial<Record<Collection, StageSetting>>;
  /** The stage of a collection whose stage was never set. */
  defaultStage: Stage;
  refreshMs?: number;
  /** A refresh listener that threw: reported here, never as a failed read of the stage. */
  onListenerError?: (error: unknown) => void;
  /** How long a write waits for a fence to come down before giving up with 503. */
  fenceWaitMs?: number;
  now?: () => number;
}

export class StageView {
  private snapshot: StageSnapshot;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<StageSnapshot> | null = null;
  private readonly listeners: ((snapshot: StageSnapshot) => void)[] = [];
  private readonly refreshMs: number;
  private readonly fenceWaitMs: number;
  private readonly now: () => number;

  constructor(private readonly options: StageViewOptions) {
    this.refreshMs = options.refreshMs ?? 500;
    this.fenceWaitMs = options.fenceWaitMs ?? 15_000;
    this.now = options.now ?? Date.now;
    const nothing: StoredState = {
      collections: { projects: { stage: null, readPercent: 0 }, resources: { stage: null, readPercent: 0 } },
      paused: false,
      fenceUntil: 0,
      epoch: 0,
      changedAt: null,
    };
    this.snapshot = { ...this.buildFresh(nothing), fetchedAt: 0, error: 'not read yet' };
  }

  current(): StageSnapshot {
    return this.snapshot;
  }

  /** Whether Redis has answered at least once (a collection pinned by CONTENTKV_STAGE needs no answer). */
  private get isKnown(): boolean {
    return this.snapshot.fetchedAt > 0;
  }

  async refresh(): Promise<StageSnapshot> {
    this.refreshing ??= (async () => {
      try {
        let answered = false;
        try {
          this.snapshot = this.buildFresh(await this.options.state.readState());
          answered = true;
        } catch (error) {
          this.snapshot = { ...this.snapshot, error: error instanceof Error ? error.message : String(error) };
        }
        // Outside the read's try: a listener's fault is not Redis's, and one listener's throw
        // must not keep the next from hearing of the stage.
        if (answered) this.notify(this.snapshot);
      } finally {
        this.refreshing = null;
      }
      return this.snapshot;
    })();
    return this.refreshing;
  }

  private notify(snapshot: StageSnapshot): void {
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.options.onListenerError?.(error);
      }
    }
  }

  private buildFresh(stored: StoredState): StageSnapshot {
    const view = (c: Collection): CollectionView => {
      const forced = this.options.override[c];
      if (forced) return { ...forced, source: 'override' };
      const saved = stored.collections[c];
      if (saved.stage) return { stage: saved.stage, readPercent: saved.readPercent, source: 'redis' };
      return { stage: this.options.defaultStage, readPercent: this.options.defaultStage === 'live' ? 0 : 100, source: 'default' };
    };
    return {
      collections: { projects: view('projects'), resources: view('resources') },
      paused: stored.paused,
      fenceUntil: stored.fenceUntil,
      epoch: stored.epoch,
      fetchedAt: this.now(),
      error: null,
    };
  }

  /**
   * A refresh begun after this call: one already under way may have been answered before a
   * change the caller has just learnt of (a commit refused for a switch), so it is waited out.
   */
  async refreshAfterChange(): Promise<StageSnapshot> {
    await this.refreshing;
    return this.refresh();
  }

  /**
   * Moves the state's epoch in Redis up to `floor` (never down, nothing else changes) and reads
   * the state again: for a Redis behind a switch the JSON files recorded (see raiseEpoch.lua).
   */
  async raiseEpoch(floor: number): Promise<StageSnapshot> {
    await this.options.state.raiseEpoch(floor);
    return this.refreshAfterChange();
  }

  /** Calls `listener` after every refresh that Redis answered, with the new snapshot. */
  onRefresh(listener: (snapshot: StageSnapshot) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  forRead(c: Collection): CollectionView {
    return this.snapshot.collections[c];
  }

  /** The stage a write must follow: known, and with no fence up (waiting for one to come down). */
  async forWrite(c: Collection): Promise<CollectionView> {
    // Pinned by CONTENTKV_STAGE: the emergency override works with Redis down, fence or not.
    if (this.options.override[c] !== undefined) return this.snapshot.collections[c];
    if (!this.isKnown) await this.refresh();
    if (!this.isKnown) {
      throw new StoreUnavailableError('redis', 2, 'the migration stage cannot be read from Redis yet, so writes wait; set CONTENTKV_STAGE to override');
    }
    const deadline = this.now() + this.fenceWaitMs;
    while (this.snapshot.fenceUntil > this.now()) {
      if (this.now() >= deadline) throw new StoreUnavailableError('redis', 2, 'a migration stage change is in progress');
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, this.refreshMs)));
      await this.refresh();
    }
    return this.snapshot.collections[c];
  }
}
