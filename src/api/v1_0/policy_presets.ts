// GET /configurations/policy/presets, beyond Azure: the named policies a client may give in place of VW arguments
// (PUT /configurations/policy, evaluation policies; docs/policy-presets.md), each with its full arguments. Served
// under every base path, behind the key like every other operation.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { POLICY_PRESETS } from '../../loop/index.js';
import { ERROR_RESPONSE, SECURITY, type V1Options } from './common.js';

const PolicyPresets = Type.Object({
  presets: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The preset name, accepted in place of arguments.' }),
      arguments: Type.String({ description: 'The full VW command line it stands for.' }),
      description: Type.String(),
    }),
  ),
});

export async function policyPresetRoutes(app: FastifyInstance, _options: V1Options): Promise<void> {
  app.get('/configurations/policy/presets', {
    schema: {
      operationId: 'Policy_ListPresets', tags: ['Configurations'], summary: 'List policy presets (beyond Azure).',
      description:
        'The named learning policies (azure-default, recommended, one per explorer) that PUT /configurations/policy and evaluation ' +
        'policies accept in place of arguments, e.g. {"name":"p","arguments":"recommended"}; each is stored as its full arguments.',
      security: SECURITY,
      response: { 200: { ...PolicyPresets, description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async () => ({ presets: POLICY_PRESETS.map((p) => ({ name: p.name, arguments: p.arguments, description: p.description })) }));
}
