// GET /apprentice, beyond Azure: the apprentice report (loop/apprentice_report.ts; docs/learning-modes.md), what
// Azure's portal showed as "matching performance" while a loop was in Apprentice mode. Served under every base
// path; 404 ApprenticeModeNeverTurnedOn (a v1.1-preview.3 error code) when the loop never was in Apprentice mode.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ERROR_RESPONSE, SECURITY, type V1Options } from './common.js';

const Figures = {
  events: Type.Integer({ description: 'Apprentice events counted.' }),
  agreement: Type.Number({ description: "Share of them where the learner's own choice was the baseline (0 … 1)." }),
  averageBaselineReward: Type.Number({ description: 'Average reward the baseline (the application’s choice) got.' }),
  averageEstimatedReward: Type.Number({ description: 'Average reward the learner expected from its own choice.' }),
};

const ApprenticeReport = Type.Object({
  learningMode: Type.String({ description: 'The learning mode now.' }),
  ...Figures,
  recent: Type.Object(Figures, { description: 'The last 1,000 events.' }),
  history: Type.Array(Type.Object(Figures), { description: 'One point per 100 events, oldest first.' }),
  since: Type.String({ format: 'date-time' }),
  lastUpdated: Type.String({ format: 'date-time', description: 'As of the last model export.' }),
});

export async function apprenticeRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  app.get('/apprentice', {
    schema: {
      operationId: 'Apprentice_GetReport', tags: ['Configurations'], summary: 'Apprentice mode report (beyond Azure).',
      description:
        'How often the learner would have chosen the baseline action, and its estimated reward against the baseline’s observed reward, ' +
        'over the events ranked in Apprentice mode: in total, over the last 1,000 events, and per 100 events.',
      security: SECURITY,
      response: { 200: { ...ApprenticeReport, description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async () => loop.apprenticeReport());
}
