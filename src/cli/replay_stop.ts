// Lines that stop a replay instead of being skipped: a CCB or slates event is valid for VW (with
// --ccb_explore_adf / --slates, which it then requires: under --cb_explore_adf it stops at such a line with
// "Badly formed ccb example", parse_example_json.cc, exit code 1), but
// replay cannot learn it yet, and learning the rest of a log without its multi-slot events would give figures
// that look right and are not.
import { DsjsonError } from '../dsjson/index.js';
import { ReplayIoError } from './replay_io.js';

/** Throws a ReplayIoError (one line on stderr, exit 1) for a line replay must not skip; returns otherwise. */
export function stopAtUnsupported(e: unknown): void {
  if (e instanceof DsjsonError && e.unsupported) {
    throw new ReplayIoError(`line ${e.lineNumber}: ${e.reason}: replay stops here (as VW does under --cb_explore_adf)`);
  }
}
