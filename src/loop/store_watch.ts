// How a process learns what the other processes of its loop changed in the store (docs/scale-out.md): every
// WATCH_MS it reads the latest model's id and the settings revision, two indexed single-row reads. A newer model
// (exported by the trainer leader, in whatever process) is read whole and installed for ranking; a moved settings
// revision makes the loop reload its settings. Polling rather than PostgreSQL's LISTEN/NOTIFY: it works the same on
// a SQLite file shared by several processes, and at this pace a model reaches every process well within the
// shortest modelExportFrequency (PT1S) and a settings change within a second.
import type { ModelRecord, Store } from '../store/index.js';

/** The polling period: a new model or settings change reaches every process within about this long. */
export const WATCH_MS = 250;
/** An unreachable store is reported once, then once per this many failed polls. */
const REPORT_EVERY = 120;

export interface StoreWatchOptions {
  store: Store;
  /** The id of the model this process ranks with. */
  modelId(): number;
  /** The settings revision this process's settings were read at. */
  settingsRevision(): number;
  /** Installs a newer model. */
  installModel(model: ModelRecord): void;
  /** Reloads the settings (called when the stored revision differs from settingsRevision()). */
  reloadSettings(): Promise<void>;
  log?: (level: 'warn' | 'info', message: string) => void;
  periodMs?: number;
}

export class StoreWatch {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly o: StoreWatchOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  /** One poll now (after a request the leader carried out, to install its model without waiting). */
  poll(): Promise<void> {
    this.polling ??= this.doPoll().finally(() => (this.polling = null));
    return this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.o.periodMs ?? WATCH_MS);
    this.timer.unref();
  }

  private async doPoll(): Promise<void> {
    try {
      const id = await this.o.store.latestModelId();
      // Only newer: the leader's own trainer hands its models over directly, and may be ahead of this read.
      if (id !== null && id > this.o.modelId()) {
        const model = await this.o.store.latestModel();
        if (model && model.id > this.o.modelId()) this.o.installModel(model);
      }
      const revision = await this.o.store.settingsRevision();
      if (revision !== this.o.settingsRevision()) await this.o.reloadSettings();
      if (this.failures > 0) this.o.log?.('info', 'the store answers again: models and settings are followed again');
      this.failures = 0;
    } catch (e) {
      if (this.failures++ % REPORT_EVERY === 0) {
        this.o.log?.('warn', `models and settings cannot be followed: the store did not answer (${(e as Error).message})`);
      }
    }
  }
}
