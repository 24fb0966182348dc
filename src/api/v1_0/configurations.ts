// /configurations/service (GET, PUT → 200) and /configurations/policy (GET, PUT → 200, DELETE → 200 with the
// default policy) (Personalizer.json v1.0 "ServiceConfiguration_*", "Policy_*"; docs/azure-api.md §2.1), and
// POST /configurations/applyFromEvaluation → 204 (v1.1-preview.3 "ServiceConfiguration_ApplyFromEvaluation",
// served under v1.0 too): an evaluated policy becomes the live one, retrained from the retained log.
// Its errors are loop/evaluations.ts's.
import type { FastifyInstance } from 'fastify';
import { PolicyReferenceContract, type PolicyReferenceBody } from '../evaluation_schemas.js';
import { PolicyContract, ServiceConfiguration, ref, type PolicyContractBody, type ServiceConfigurationBody } from '../schemas.js';
import type { ServiceConfiguration as ServiceConfigurationContract } from '../../loop/types.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY, type V1Options } from './common.js';

export async function configurationRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  const config = { ...ref(ServiceConfiguration), description: 'Success' };
  const policy = { ...ref(PolicyContract), description: 'Success' };

  app.get('/configurations/service', {
    schema: {
      operationId: 'ServiceConfiguration_Get', tags: ['Configurations'], summary: 'Get Service Configuration.',
      description: 'Get the Personalizer service configuration.', security: SECURITY,
      response: { 200: config, ...ERROR_RESPONSE },
    },
  }, async () => loop.getServiceConfiguration());

  app.put<{ Body: ServiceConfigurationBody }>('/configurations/service', {
    config: { invalidRequestCode: 'InvalidServiceConfiguration' },
    schema: {
      operationId: 'ServiceConfiguration_Update', tags: ['Configurations'], summary: 'Update Service Configuration.',
      description: 'Update the Personalizer service configuration.', security: SECURITY,
      body: ref(ServiceConfiguration),
      response: { 200: config, ...ERROR_RESPONSE },
    },
  }, async (request) => loop.updateServiceConfiguration(request.body as ServiceConfigurationContract));

  app.get('/configurations/policy', {
    schema: {
      operationId: 'Policy_Get', tags: ['Configurations'], summary: 'Get Policy.',
      description: 'Get the Learning Settings currently used by the Personalizer service.', security: SECURITY,
      response: { 200: policy, ...ERROR_RESPONSE },
    },
  }, async () => loop.getPolicy());

  app.put<{ Body: PolicyContractBody }>('/configurations/policy', {
    config: { invalidRequestCode: 'InvalidPolicyConfiguration' },
    schema: {
      operationId: 'Policy_Update', tags: ['Configurations'], summary: 'Update Policy.',
      description: 'Update the Learning Settings that the Personalizer service will use to train models.', security: SECURITY,
      body: ref(PolicyContract),
      response: { 200: policy, ...ERROR_RESPONSE },
    },
  }, async (request) => loop.updatePolicy(request.body));

  app.delete('/configurations/policy', {
    schema: {
      operationId: 'Policy_Reset', tags: ['Configurations'], summary: 'Reset Policy.',
      description: 'Resets the Learning Settings to their default values.', security: SECURITY,
      response: { 200: policy, ...ERROR_RESPONSE },
    },
  }, async () => loop.resetPolicy());

  app.post<{ Body: PolicyReferenceBody }>('/configurations/applyFromEvaluation', {
    config: { invalidRequestCode: 'BadRequest' },
    schema: {
      operationId: 'ServiceConfiguration_ApplyFromEvaluation', tags: ['Configurations'],
      summary: 'Apply Learning Settings from an Offline Evaluation.',
      description:
        "Makes a policy of a completed evaluation (a custom or discovered one; 'Online' changes nothing) the current Learning Settings. " +
        'The model is retrained from the retained log; ranking keeps the current model until the new one has caught up.',
      security: SECURITY,
      body: ref(PolicyReferenceContract),
      response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    await loop.applyFromEvaluation(request.body);
    return reply.code(204).send();
  });
}
