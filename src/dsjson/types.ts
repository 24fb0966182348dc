// What one DSJSON line means to VW's `--dsjson` parser (docs/learner.md §7.1; VW 9.10
// json_parser/src/parse_example_json.cc DecisionServiceState, decision_service_utils.h).

/** The CB label a line carries (`_label_cost`/`_label_probability`/`_label_Action`/`_labelIndex` or `_label`). */
export interface DsjsonLabel {
  /** 0-based index into `_multi` of the action that receives the label (`_labelIndex`). */
  index: number;
  /** Cost of the chosen action = −reward. */
  cost: number;
  /** Probability with which the chosen action was played. */
  probability: number;
  /** 1-based `_label_Action` when present (kept for metrics; cb_adf does not use it). */
  action?: number;
}

/** One parsed CB line. Text fields are not copied: `c` is the span [contextStart, contextEnd) of the line. */
export interface CbEvent {
  lineNumber: number;
  eventId: string;
  timestamp: string;
  /** Absent ⇒ predict-only (VW keeps predicting but does not learn). */
  label?: DsjsonLabel;
  /** 1-based action ids in served order, chosen first. */
  a: number[];
  /** Probabilities aligned with `a`. */
  p: number[];
  /** Span of the `c` object's text inside the line (start at `{`, end one past the matching `}`). */
  contextStart: number;
  contextEnd: number;
  /** Client-side drop probability; every example's weight is divided by (1 − pdrop). */
  pdrop: number;
  /** 1 / (1 − pdrop). */
  weight: number;
  /** `_skipLearn: true` — VW skips the event entirely (not predicted, not counted). */
  skipLearn: boolean;
  /** `_original_label_cost`, metrics only. */
  originalLabelCost?: number;
  /** Raw text of the CCB `_outcomes` array when present (such a line is read by parseCcbLine, not as a CbEvent). */
  outcomes?: string;
}

/**
 * A line VW would not learn from, with the reason; the reader reports it and moves on, unless `unsupported`:
 * a line of a kind VW reads but this reader does not (multi-slot CCB or slates events), where a replay must stop
 * rather than learn from the rest of the log without it.
 */
export class DsjsonError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
    readonly unsupported = false,
  ) {
    super(`line ${lineNumber}: ${reason}`);
    this.name = 'DsjsonError';
  }
}

/** A line VW silently ignores (not an error): not starting with `{`, or an empty `a`. */
export interface DsjsonSkip {
  skipped: true;
  lineNumber: number;
  reason: string;
}

export type DsjsonParseResult = CbEvent | DsjsonError | DsjsonSkip;

export function isCbEvent(r: DsjsonParseResult): r is CbEvent {
  return !(r instanceof DsjsonError) && (r as DsjsonSkip).skipped !== true;
}

/** A slot's logged outcome in a CCB line (`_outcomes[i]`; VW learns from `_a[0]`, `_p[0]` and the cost only). */
export interface CcbOutcome {
  /** `_id`: the slot id the RL client logged (VW ignores it). */
  id?: string;
  /** `_label_cost` (−reward); absent ⇒ the slot is unlabeled. */
  cost?: number;
  /** `_a`: 0-based `_multi` positions of the slot's candidates, the shown action first. */
  actions: number[];
  /** `_p`: their probabilities. */
  probabilities: number[];
  /** `_original_label_cost`, metrics only. */
  originalCost?: number;
}

/** What a slot contributes to learning: VW's CCB label (the shown action, its cost and probability), or null. */
export interface CcbSlotLabel {
  action: number;
  cost: number;
  probability: number;
}

/** One parsed CCB (multi-slot) line. `c` is the span [contextStart, contextEnd) of the line, as for CbEvent. */
export interface CcbEvent {
  lineNumber: number;
  eventId: string;
  timestamp: string;
  contextStart: number;
  contextEnd: number;
  /** `_outcomes` in slot order (empty when absent). */
  outcomes: CcbOutcome[];
  /** Per slot (in `_outcomes` order) the label VW learns from, null for an unlabeled slot. */
  labels: (CcbSlotLabel | null)[];
  /** `_ba`: the baseline action of each slot (0-based; metrics only). */
  baselineActions?: number[];
  pdrop: number;
  /** 1 / (1 − pdrop). */
  weight: number;
  skipLearn: boolean;
}

export type CcbParseResult = CcbEvent | DsjsonError | DsjsonSkip;

export function isCcbEvent(r: CcbParseResult): r is CcbEvent {
  return !(r instanceof DsjsonError) && (r as DsjsonSkip).skipped !== true;
}
