// The learning loop's figures as Prometheus metrics. They are read once per scrape (Loop.stats(): the store's
// counters, a few cheap reads) and handed to each metric's collect(); the loop keeps no metric of its own.
// Counts the store keeps span the store's life (they survive restarts); the others restart at 0 with the
// process, which Prometheus's rate() treats as a counter reset.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoopStats } from '../loop/types.js';

type Read = () => LoopStats | null;

const COUNTERS: Array<[name: string, help: string, value: (s: LoopStats) => number]> = [
  ['personalizer_events_ranked_total', 'Rank calls answered (events logged).', (s) => s.eventsRanked],
  ['personalizer_rewards_received_total', 'Rewards received for known events.', (s) => s.rewardsReceived],
  ['personalizer_rewards_unknown_event_total', 'Rewards received for an eventId never ranked (accepted, never learned).', (s) => s.rewardsUnknownEvent],
  ['personalizer_rewards_late_total', 'Rewards for a known event that arrived after its reward window or after it was joined (never learned).', (s) => s.rewardsLate],
  ['personalizer_activations_total', 'Activate calls for known events.', (s) => s.activations],
  ['personalizer_activations_unknown_event_total', 'Activate calls for an eventId never ranked.', (s) => s.activationsUnknownEvent],
  ['personalizer_events_joined_total', 'Events joined with their reward as training examples.', (s) => s.eventsJoined],
  ['personalizer_events_skipped_total', 'Deferred events never activated in their window (joined with _skipLearn, not learned).', (s) => s.eventsSkipped],
  ['personalizer_events_defaulted_total', 'Events joined with defaultReward because no reward arrived in their window.', (s) => s.eventsDefaulted],
  ['personalizer_log_retention_deleted_events_total', 'Events deleted by log retention (logRetentionDays), with their rewards and joins, since the process started.', (s) => s.eventsPurged],
  ['personalizer_events_learned_total', 'Events the trainer has learned into the current model lineage.', (s) => s.eventsLearned],
];

const GAUGES: Array<[name: string, help: string, value: (s: LoopStats) => number | null]> = [
  ['personalizer_trainer_lag_events', 'Joined events the trainer has not learned yet.', (s) => s.trainerLagEvents],
  ['personalizer_trainer_lag_seconds', 'While joined events wait for the trainer, seconds since the model that ranks was exported; 0 otherwise.', (s) => s.trainerLagSeconds],
  ['personalizer_model_version', 'Version of the model that ranks (GET /model/properties).', (s) => s.modelVersion],
  ['personalizer_model_age_seconds', 'Seconds since the model that ranks was exported.', (s) => s.modelAgeSeconds],
  ['personalizer_trainer_leader', 'Whether this process is the trainer leader (1) or a follower (0): the leader trains, sweeps joins and runs evaluation jobs (docs/scale-out.md).', (s) => (s.trainerLeader ? 1 : 0)],
  ['personalizer_trainer_lease_epoch', "The trainer lease's fencing epoch while this process holds it (0 on followers); it moves at each change of leader.", (s) => s.trainerLeaseEpoch ?? 0],
  ['personalizer_apprentice_events', 'Events learned in Apprentice mode (the apprentice report, as of the last model export).', (s) => s.apprentice?.events ?? null],
  ['personalizer_apprentice_agreement', "Share of the last 1,000 Apprentice events where the learner's own choice was the baseline (0 … 1).", (s) => s.apprentice?.agreement ?? null],
  ['personalizer_apprentice_baseline_reward', 'Average reward the baseline got over the last 1,000 Apprentice events.', (s) => s.apprentice?.averageBaselineReward ?? null],
  ['personalizer_apprentice_estimated_reward', "Average reward the learner expected from its own choice over the last 1,000 Apprentice events.", (s) => s.apprentice?.averageEstimatedReward ?? null],
  ['personalizer_store_size_bytes', "Bytes the store takes: a SQLite store's files (database, WAL, shared memory, models), a PostgreSQL database's size.", (s) => s.storeBytes],
];

/** The log mirror's counts (docs/log-mirror.md): since this process started; absent when it has no directory. */
const MIRROR_COUNTERS: Array<[name: string, help: string, key: 'lines' | 'bytes' | 'errors']> = [
  ['personalizer_log_mirror_lines_total', 'Joined events written to the log mirror as DSJSON lines by this process.', 'lines'],
  ['personalizer_log_mirror_bytes_total', 'Bytes written to the log mirror by this process.', 'bytes'],
  ['personalizer_log_mirror_errors_total', 'Log mirror turns that failed (a disk error); each is retried at the next turn.', 'errors'],
];

export function installLoopMetrics(registry: Registry, read: Read): void {
  for (const [name, help, key] of MIRROR_COUNTERS) {
    new Counter({
      name, help, registers: [registry],
      collect() {
        const m = read()?.logMirror;
        this.reset();
        if (m) this.inc(m[key]);
      },
    });
  }
  for (const [name, help, value] of COUNTERS) {
    new Counter({
      name, help, registers: [registry],
      collect() {
        const s = read();
        if (s === null) return;
        // A counter has no set(): its value is rebuilt from the loop's count at each scrape.
        this.reset();
        this.inc(value(s));
      },
    });
  }
  for (const [name, help, value] of GAUGES) {
    new Gauge({
      name, help, registers: [registry],
      collect() {
        const s = read();
        const v = s === null ? null : value(s);
        if (v === null) this.reset();
        else this.set(v);
      },
    });
  }
  new Gauge<'status'>({
    name: 'personalizer_evaluation_jobs',
    help: 'Offline evaluation jobs by status (pending: queued; running: being computed).',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const s = read();
      if (s === null) return;
      this.set({ status: 'pending' }, s.evaluationsPending);
      this.set({ status: 'running' }, s.evaluationsRunning);
    },
  });
}
