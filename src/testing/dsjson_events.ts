// Test-only: a DSJSON log's labeled events as an evaluation reads them (LoggedEvent), in file order.
import { readDsjson } from '../dsjson/index.js';
import type { LoggedEvent } from '../evaluation/index.js';

export async function loggedEventsFromDsjson(path: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const { line, event } of readDsjson(path)) {
    if (!event.label || event.skipLearn) continue;
    events.push({
      eventId: event.eventId,
      timestamp: Date.parse(event.timestamp),
      context: line.slice(event.contextStart, event.contextEnd),
      chosenIndex: event.label.index,
      chosenProbability: event.label.probability,
      reward: -event.label.cost,
      actionCount: event.a.length,
    });
  }
  return events;
}
