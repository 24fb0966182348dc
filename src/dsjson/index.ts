// DSJSON (decision-service JSON, VW `--dsjson`): line parser, file reader, and the joiner's line writer.
export * from './types.js';
export { parseCbLine, EMPTY_LINE, MULTI_SLOT_UNSUPPORTED } from './parse_line.js';
export { formatCbLine, formatFloat, type CbLogEvent } from './format_line.js';
export { parseCcbLine, NO_LABELED_SLOT } from './parse_ccb_line.js';
export { formatCcbLine, type CcbLogEvent, type CcbLogSlot } from './format_ccb_line.js';
export { readDsjson, readDsjsonBatches, readLineBatches, isGzipFile, type DsjsonRecord, type ReadOptions } from './read_file.js';
