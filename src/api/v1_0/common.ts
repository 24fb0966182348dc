// What every v1.0 route shares: the key requirement in the OpenAPI document and the error response.
import type {} from '@fastify/swagger'; // its FastifySchema fields: operationId, tags, summary, security, hide
import { ErrorResponse, ref } from '../schemas.js';
import type { Loop } from '../../loop/types.js';

export interface V1Options {
  loop: Loop;
}

/** Spec: securityDefinitions.apim_key, applied to every operation (docs/azure-api.md §1). */
export const SECURITY = [{ apim_key: [] as string[] }];

export const ERROR_RESPONSE = { default: { ...ref(ErrorResponse), description: 'Error, in the ErrorResponse shape.' } };

export const NO_CONTENT = { type: 'null', description: 'Success' } as const;
