// The trainer worker: owns the learning copy of the model. It reads joined events from the store in joinSeq order
// (its own SQLite connection; WAL lets it read while the main thread writes), learns them, and every
// modelExportFrequency persists the model together with the cursor it includes (one transaction), then hands the
// bytes to the main thread. After a restart it resumes from the last persisted model and learns the events after
// its cursor: nothing lost, nothing learned twice. A model with a non-finite weight is never persisted nor handed
// over (trainer_checkpoint.ts goes back to the last good one), and a stored model it cannot resume from is
// retrained from the log instead of failing the worker at every restart.
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_POLICY_ARGUMENTS, modelProblem, type PolicyConfig } from '../engine/index.js';
import { LeaseLostError, openStore, StoreFullError, StoreUnavailableError, type JoinedEvent } from '../store/index.js';
import { learningSignature, parsePolicy } from './policy.js';
import { recoverFinite, resume, type Learning } from './trainer_checkpoint.js';
import { createTrainingLearner, isMultiSlotArguments, type TrainingLearner } from './model_kind.js';
import type { FromWorker, ToWorker, TrainerInit, TrainerRequest } from './trainer_protocol.js';
import { ApprenticeTracker } from './apprentice_tracker.js';
import { eventLearningMode, learnsFrom } from './learning_mode.js';

/** learnOne learns each example as soon as it is built, so the featurizer may reuse its buffers. */
const LEARNER_OPTIONS = { reuseExamples: true };
const BATCH = 256;
/** Events learned per turn before requests get a chance to run. */
const TURN = 2048;
const TICK_MS = 100;

const port = parentPort!;
const init = workerData as TrainerInit;
const store = await openStore(init.storeUrl);
let modelExportMs = init.modelExportMs;
/** The fence of every export; replaced when the loop's lease moves to the next epoch unclaimed. */
let lease = init.lease;

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}
function log(level: 'info' | 'warn' | 'error', message: string): void {
  post({ type: 'log', level, message });
}

interface State extends Learning {
  signature: string;
  createdAt: number;
  /** While retraining after a policy change: the head to reach before the new model may replace the old one. */
  retrainUntil: number | null;
  exportedCursor: number;
  exportedAt: number;
}

let state: State;

function fresh(config: PolicyConfig, cursor: number, createdAt: number, retrainUntil: number | null): State {
  return {
    learner: createTrainingLearner(config, LEARNER_OPTIONS),
    config,
    checkpoint: { bytes: null, cursor, eventsLearned: 0 },
    signature: learningSignature(config),
    cursor,
    eventsLearned: 0,
    createdAt,
    retrainUntil,
    exportedCursor: -1,
    exportedAt: 0,
  };
}

/** The policy the loop passed; the loop validated it, but a worker must never crash-loop on one it cannot parse. */
function policyConfig(args: string): PolicyConfig {
  try {
    return parsePolicy(args);
  } catch (e) {
    log('error', `trainer: the policy '${args}' does not parse (${(e as Error).message}); learning with the default policy`);
    return parsePolicy(DEFAULT_POLICY_ARGUMENTS);
  }
}

async function boot(): Promise<void> {
  const config = policyConfig(init.policyArguments);
  const signature = learningSignature(config);
  const latest = await store.latestModel();
  if (latest && latest.policy === signature) {
    // The loop set aside, at start, any stored model that could not be loaded; one that fails here anyway is
    // not resumed from: the model is retrained from the log instead of the worker failing at every restart.
    const problem = modelProblem(latest.bytes);
    let learner: TrainingLearner | undefined;
    try {
      if (problem === null) learner = resume(latest.bytes, config, LEARNER_OPTIONS);
    } catch {
      learner = undefined;
    }
    if (learner) {
      state = {
        learner,
        config,
        checkpoint: { bytes: latest.bytes, cursor: latest.cursor, eventsLearned: latest.eventsLearned },
        signature,
        cursor: latest.cursor,
        eventsLearned: latest.eventsLearned,
        createdAt: latest.createdAt,
        retrainUntil: null,
        exportedCursor: latest.cursor,
        exportedAt: Date.now(),
      };
      return;
    }
    log('error', `trainer: model ${latest.id} cannot be resumed (${problem ?? 'it does not load'}); retraining from the log`);
  }
  if (latest && isMultiSlotArguments(latest.policy) !== config.ccb) {
    // The loop was switched between single-slot and multi-slot and stopped before the new kind's first model was
    // stored: a fresh one from now on, published at once (the 'policy' request does the same).
    state = fresh(config, await store.headJoinSeq(), Date.now(), null);
    await exportModel();
    return;
  }
  // The policy changed and the process stopped before the new model caught up: retrain from the log.
  state = fresh(config, 0, Date.now(), await store.headJoinSeq());
  log('info', `retraining from the log for policy ${signature}`);
}

/** The apprentice report: Apprentice events are scored before they are learned (apprentice_report.ts). */
const apprentice = new ApprenticeTracker();

function learnOne(e: JoinedEvent): void {
  if (e.skipLearn || e.reward === null) return;
  // LoggingOnly events stay in the log (evaluations read them) but are never learned (learning_mode.ts).
  const mode = eventLearningMode(e.modelVersion);
  if (!learnsFrom(mode)) return;
  const { learner } = state;
  const nan = learner.inner.gd.nanUpdates;
  let outcome;
  try {
    // Apprentice events are scored by the model as it is before learning them (single-slot: apprentice_report.ts).
    outcome = learner.learn(
      e,
      false,
      mode === 'Apprentice'
        ? { single: (ex) => apprentice.observe(learner.inner, ex, e, Date.now()), multi: (slots) => apprentice.observeSlots(slots, e, Date.now()) }
        : undefined,
    );
  } catch (err) {
    log('warn', `event ${e.eventId} not learned: ${(err as Error).message}`);
    return;
  }
  // An event of the other kind (logged before the loop switched between single-slot and multi-slot).
  if (outcome === 'other') return;
  state.eventsLearned++;
  if (learner.inner.gd.nanUpdates !== nan) reportNanUpdate(e.eventId);
}

let nanEvents = 0;
let nanReportedAt = 0;
/** At most one warning a minute: a feature set that overflows usually does so on every event. */
const NAN_REPORT_MS = 60_000;

function reportNanUpdate(eventId: string): void {
  nanEvents++;
  const t = Date.now();
  if (t - nanReportedAt < NAN_REPORT_MS) return;
  nanReportedAt = t;
  log(
    'warn',
    `event ${eventId} made no model update: a feature value, or the product of two in an interaction, is too large ` +
      `for a 32-bit float (VW: "The features have too much magnitude"); ${nanEvents} such event(s) since the trainer started. ` +
      'Scale large numeric features (timestamps, prices in cents) down, or send them as strings.',
  );
}

/** Learns up to `max` joined events; returns true when more may be waiting. */
async function learnSome(max: number): Promise<boolean> {
  let learned = 0;
  while (learned < max) {
    // Every join ≤ head is committed (the head moves in the join's transaction), so once the rows run out the
    // cursor may jump to the head, past joins deleted with the logs or purged by retention.
    const head = await store.headJoinSeq();
    const rows = await store.readJoined(state.cursor, BATCH);
    for (const r of rows) {
      learnOne(r);
      state.cursor = r.joinSeq;
    }
    learned += rows.length;
    if (rows.length < BATCH) {
      state.cursor = Math.max(state.cursor, head);
      break;
    }
  }
  if (learned > 0) post({ type: 'progress', cursor: state.cursor, eventsLearned: state.eventsLearned });
  if (state.retrainUntil !== null && state.cursor >= state.retrainUntil) {
    state.retrainUntil = null;
    await exportModel();
  }
  return learned >= max;
}

/** `given`: bytes to export as they are (an imported model, byte for byte what the client sent). */
async function exportModel(given?: Uint8Array): Promise<void> {
  if (state.retrainUntil !== null) return;
  let bytes = given ?? state.learner.saveModel();
  const problem = given ? null : modelProblem(bytes);
  if (problem !== null) {
    await recover(problem);
    bytes = state.learner.saveModel();
    const still = modelProblem(bytes);
    if (still !== null) {
      log('error', `trainer: the model is still non-finite after going back (${still}); the last good model stays published`);
      return;
    }
  }
  const at = Date.now();
  let model;
  try {
    model = await store.saveModel(
      { bytes, policy: state.signature, createdAt: state.createdAt, modifiedAt: at, cursor: state.cursor, eventsLearned: state.eventsLearned },
      lease ?? undefined,
    );
  } catch (e) {
    if (e instanceof LeaseLostError) fence(e);
    throw e;
  }
  state.checkpoint = { bytes: bytes.slice(), cursor: state.cursor, eventsLearned: state.eventsLearned };
  state.exportedCursor = state.cursor;
  state.exportedAt = at;
  post({ type: 'model', model }, [bytes.buffer as ArrayBuffer]);
  // After the model: a report ahead of the model it describes is never counted twice (apprentice_report.ts).
  await apprentice.save(store);
}

/** A model came out non-finite: back to the last good checkpoint, the poisoning events skipped (trainer_checkpoint.ts). */
let poisonedEvents = 0;
let poisonReportedAt = 0;

async function recover(problem: string): Promise<void> {
  const skipped = await recoverFinite(state, state.cursor, {
    readJoined: (after, limit) => store.readJoined(after, limit),
    learnOne,
    options: LEARNER_OPTIONS,
  });
  poisonedEvents += skipped;
  const t = Date.now();
  if (t - poisonReportedAt < NAN_REPORT_MS) return;
  poisonReportedAt = t;
  log(
    'error',
    `trainer: the model came out non-finite (${problem}); it was not published, learning went back to the last ` +
      `good model and skipped the ${skipped} event(s) whose update caused it (${poisonedEvents} skipped since the trainer started)`,
  );
}

/**
 * Another process is the trainer now (leadership.ts): this worker learns and exports nothing more. It tells the
 * loop, which ends it; until then every turn and request is refused, so no export is ever tried again.
 */
let fenced = false;
function fence(e: LeaseLostError): void {
  if (fenced) return;
  fenced = true;
  clearInterval(timer);
  post({ type: 'leaseLost', message: e.message });
}

// Everything that touches the state runs one at a time, in arrival order.
let chain: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const p = chain.then(() => (fenced ? Promise.reject(new Error('the trainer lease was lost: this trainer has stopped')) : fn()));
  chain = p.catch(reportError);
  return p;
}

let fullReportedAt = 0;
/**
 * A full disk fails every export until space is back (the model is kept and exported then); an unreachable store
 * (a database server down) fails every read until it is back (learning then resumes where it was): each said once
 * a minute, not at every tick.
 */
function reportError(err: unknown): void {
  if (fenced) return; // said once, by fence()
  const full = err instanceof StoreFullError;
  if (!full && !(err instanceof StoreUnavailableError)) return log('error', `trainer: ${(err as Error).stack ?? String(err)}`);
  const t = Date.now();
  if (t - fullReportedAt < 60_000) return;
  fullReportedAt = t;
  log(
    'warn',
    full
      ? 'trainer: the model cannot be exported while the disk is full; learning goes on and exports once space is freed'
      : 'trainer: the store cannot be reached; learning waits and resumes by itself once it is back',
  );
}

let turnQueued = false;
function scheduleTurn(): void {
  if (turnQueued) return;
  turnQueued = true;
  void serial(async () => {
    turnQueued = false;
    if (await learnSome(TURN)) scheduleTurn();
    const due = Date.now() - state.exportedAt >= modelExportMs;
    if (due && state.cursor !== state.exportedCursor) await exportModel();
  });
}

async function handle(r: TrainerRequest): Promise<void> {
  switch (r.op) {
    case 'flush':
      while (await learnSome(TURN));
      if (state.cursor !== state.exportedCursor) await exportModel();
      return;
    case 'policy': {
      const config = parsePolicy(r.policyArguments);
      const signature = learningSignature(config);
      if (signature === state.signature && state.retrainUntil === null) {
        state.learner.inner.config.exploration = config.exploration;
        state.config = config;
        return;
      }
      if (config.ccb !== state.config.ccb) {
        // Single-slot ⇄ multi-slot is another problem, not other settings: a fresh model from the events joined
        // from now on (the log is kept), published at once so that the new kind of Rank finds its model.
        state = fresh(config, await store.headJoinSeq(), Date.now(), null);
        await exportModel();
        return;
      }
      state = fresh(config, 0, Date.now(), await store.headJoinSeq());
      scheduleTurn();
      return;
    }
    case 'reset': {
      // A fresh model that learns only what is joined from now on; the logs stay.
      state = fresh(state.config, await store.headJoinSeq(), r.at, null);
      await exportModel();
      return;
    }
    case 'import': {
      // The imported model replaces the learning one at once. It includes none of the events joined so far (they
      // belonged to the model it replaces), so learning continues from the head: nothing is learned twice, and
      // what is joined from now on is learned on top of it, with the live policy's settings.
      const learner = resume(r.bytes, state.config, LEARNER_OPTIONS);
      const cursor = await store.headJoinSeq();
      state = {
        learner,
        config: state.config,
        checkpoint: { bytes: r.bytes.slice(), cursor, eventsLearned: 0 },
        signature: state.signature,
        cursor,
        eventsLearned: 0,
        createdAt: r.at,
        retrainUntil: null,
        exportedCursor: -1,
        exportedAt: 0,
      };
      await exportModel(r.bytes.slice());
      return;
    }
    case 'stop':
      if (r.flush) {
        while (await learnSome(TURN));
        if (state.cursor !== state.exportedCursor) await exportModel();
      }
      clearInterval(timer);
      await store.close();
      return;
  }
}

const timer = setInterval(scheduleTurn, TICK_MS);

port.on('message', (m: ToWorker) => {
  if (m.op === 'wake') return scheduleTurn();
  if (m.op === 'settings') {
    modelExportMs = m.modelExportMs;
    return;
  }
  if (m.op === 'lease') {
    lease = m.lease;
    return;
  }
  const { id } = m;
  serial(() => handle(m)).then(
    () => {
      post({ type: 'reply', id });
      if (m.op === 'stop') port.close();
    },
    (err: unknown) => post({ type: 'reply', id, error: (err as Error).message, ...(err instanceof StoreFullError ? { full: true } : {}) }),
  );
});

await serial(async () => {
  await apprentice.load(store);
  await boot();
});
scheduleTurn();
