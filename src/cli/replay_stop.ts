// Lines that stop a replay instead of being skipped: a CCB or slates event is valid for VW (with
// --ccb_explore_adf / --slates, which it then requires: under --cb_explore_adf it stops at such a line with
// "Badly formed ccb example", parse_example_json.cc, exit code 1). Replay does the same: learning the rest of a
// log without its multi-slot events would give figures that look right and are not. A CCB log replays under a
// --ccb_explore_adf policy (replay_ccb.ts).
import { ReplayIoError } from './replay_io.js';

/** The error (one line on stderr, exit 1) for a line of `what` (the log) replay must not skip (DsjsonError.unsupported). */
export function stopAt(what: string, lineNumber: number, reason: string): ReplayIoError {
  return new ReplayIoError(`${what}: line ${lineNumber}: ${reason}: replay stops here (as VW does under --cb_explore_adf; a multi-slot log replays under --ccb_explore_adf)`);
}
