// What the single-slot and the multi-slot line readers share (parse_line.ts, parse_ccb_line.ts), as VW 9.10's
// json_parser/src/parse_example_json.cc has it for both: parse_line_json's line filter, the `_label_*` properties
// (LabelSinglePropertyState), `_skipLearn`, and apply_pdrop.
import { expectLiteral, fail, isScanFailure, readString } from './scan.js';
import { DsjsonError, type DsjsonSkip } from './types.js';

/** The reason of an empty line's skip: it carries nothing, so readers need not count it. */
export const EMPTY_LINE = 'empty line';

/**
 * parse_line_json: "Skip lines that do not start with '{'" (empty lines included); otherwise the object, read by
 * `parseObject`, or a DsjsonError with the reason it could not be.
 */
export function readLine<T>(line: string, lineNumber: number, parseObject: (s: string, lineNumber: number) => T | DsjsonSkip | DsjsonError): T | DsjsonSkip | DsjsonError {
  if (line.length === 0) return { skipped: true, lineNumber, reason: EMPTY_LINE };
  if (line.charCodeAt(0) !== 123) return { skipped: true, lineNumber, reason: 'not a JSON object (the line does not start with {)' };
  try {
    return parseObject(line, lineNumber);
  } catch (e) {
    if (isScanFailure(e)) return new DsjsonError(lineNumber, e.reason);
    throw e;
  }
}

/** A single-slot label's parts as read, before they are checked. */
export interface LabelParts {
  cost?: number;
  probability?: number;
  action?: number;
  index?: number;
}

/** `_label_<name>` (or a `_label` object's member): the name is matched case-insensitively. */
export function setLabelProperty(label: LabelParts, name: string, value: number): void {
  switch (name.toLowerCase()) {
    case 'cost':
      label.cost = value;
      break;
    case 'probability':
      label.probability = value;
      break;
    case 'action':
      label.action = value;
      break;
    default:
      fail(`unknown label property "${name}"`);
  }
}

/** A string member's value. */
export function readStringValue(s: string, i: number, key: string): { value: string; end: number } {
  if (s.charCodeAt(i) !== 34) fail(`"${key}" must be a string`);
  return readString(s, i);
}

/** `_skipLearn`: true or false. */
export function readSkipLearn(s: string, i: number): { value: boolean; end: number } {
  if (s.charCodeAt(i) === 116) return { value: true, end: expectLiteral(s, i, 'true') };
  return { value: false, end: expectLiteral(s, i, 'false') };
}

/**
 * apply_pdrop: pdrop is read as a float and the weight is 1 divided by 1 − pdrop in float (9.999998 for pdrop
 * 0.9); a pdrop that is 1 as a float is refused (the weight would be infinite); outside [0, 1) is not a
 * probability.
 */
export function pdropWeight(pdrop: number): number {
  const pdropF = Math.fround(pdrop);
  if (!(pdrop >= 0 && pdropF < 1)) fail(`pdrop must be in [0, 1) as a 32-bit float, got ${pdrop}`);
  return Math.fround(1 / Math.fround(1 - pdropF));
}
