// The ranker worker: ranks the jobs of each batch with its model snapshot and answers the batch in one message
// (ranker_protocol.ts). Model and epsilon messages arrive on the same port as the jobs, so every job is ranked
// with the settings in force when the main thread sent it.
import { parentPort, workerData } from 'node:worker_threads';
import { RankEngine } from './rank_engine.js';
import type { FromRanker, RankerInit, ToRanker } from './ranker_protocol.js';

const port = parentPort!;
const init = workerData as RankerInit;
const engine = new RankEngine(init.model, init.appId, init.maxFeatures);

function post(m: FromRanker): void {
  port.postMessage(m);
}

port.on('message', (m: ToRanker) => {
  switch (m.type) {
    case 'rank':
      post({
        type: 'ranked',
        results: m.jobs.map((job) => {
          try {
            return engine.rank(job);
          } catch (e) {
            return { id: job.id, failed: (e as Error).stack ?? String(e) };
          }
        }),
      });
      return;
    case 'model':
      try {
        engine.install(m.model);
      } catch (e) {
        post({ type: 'log', level: 'error', message: `ranker: model ${m.model.id} could not be loaded: ${(e as Error).message}` });
      }
      return;
    case 'epsilon':
      engine.setEpsilon(m.epsilon);
      return;
  }
});
