// What the store tests share: a ranked event with plausible fields (each test overrides what it is about) and the
// join decisions they use most.
import type { Decide, NewEvent } from './types.js';

/** A ranked event of two actions, the second chosen first; `fields` replace any of its fields. */
export function storeEvent(eventId: string, fields: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId,
    timestamp: 1000,
    context: '{"FromUrl":[{"a":1}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]},{"_tag":"y","i":{"constant":1,"id":"y"},"j":[]}]}',
    actions: [2, 1],
    probabilities: [0.9, 0.1],
    chosenIndex: 1,
    chosenProbability: 0.9,
    modelVersion: '1',
    deferActivation: false,
    ...fields,
  };
}

/** Never decides: the event stays unjoined. */
export const never: Decide = () => null;
/** Joins at the first reward, with its value. */
export const firstReward: Decide = ({ rewards }) => (rewards.length ? { skipLearn: false, reward: rewards[0]!.value } : null);
