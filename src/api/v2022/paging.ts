// 2022-09-01-preview's paged lists ({value, nextLink}; the query parameters top, skip, maxpagesize of
// "Evaluations_List" and "FeatureImportances_List"). top: how many in all (default: every one), skip: how many to
// pass over (default 0), maxpagesize: how many per page (default 100). nextLink repeats the query with skip moved
// on and top lessened by what this page gave, as the spec's Evaluations_List example shows, and is absent on the
// last page. Query values arrive as text; anything but a whole number in range is a 400 BadRequest.
import type { FastifyRequest } from 'fastify';
import { LoopError } from '../../loop/types.js';
import { QUERY_VERSION } from '../versions.js';

// The default is what Swagger UI pre-fills; the version check (versions.ts) runs before any default applies.
export const API_VERSION = { type: 'string', default: QUERY_VERSION, description: `Client API version: ${QUERY_VERSION}.` } as const;
/** The query of a route that takes the api-version alone. */
export const VERSION_ONLY = { type: 'object', properties: { 'api-version': API_VERSION } } as const;
/** The query parameters of a paged list. */
export const PAGE_PARAMETERS = {
  top: { type: 'string', description: 'How many in all (default: all).' },
  skip: { type: 'string', description: 'How many to pass over (default 0).' },
  maxpagesize: { type: 'string', description: 'How many per page (default 100).' },
} as const;

export const DEFAULT_PAGE_SIZE = 100;
const INT32_MAX = 2147483647;

export interface PageQuery {
  top: number;
  skip: number;
  maxpagesize: number;
}

function int(query: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw.trim())) throw new LoopError('BadRequest', `${name}: must be a whole number (got ${JSON.stringify(raw).slice(0, 40)})`);
  const v = Number(raw);
  if (v < min || v > INT32_MAX) throw new LoopError('BadRequest', `${name}: must be between ${min} and ${INT32_MAX} (got ${raw.trim()})`);
  return v;
}

export function pageQuery(query: Record<string, unknown>): PageQuery {
  return {
    top: int(query, 'top', INT32_MAX, 0),
    skip: int(query, 'skip', 0, 0),
    maxpagesize: int(query, 'maxpagesize', DEFAULT_PAGE_SIZE, 1),
  };
}

/** One page of `items` and the link to the next. */
export function page<T>(items: readonly T[], q: PageQuery, request: FastifyRequest): { value: T[]; nextLink?: string } {
  const take = Math.min(q.top, q.maxpagesize);
  const value = items.slice(q.skip, q.skip + take);
  const remainingTop = q.top - value.length;
  if (remainingTop <= 0 || q.skip + value.length >= items.length) return { value };
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set('top', String(remainingTop));
  url.searchParams.set('skip', String(q.skip + value.length));
  url.searchParams.set('maxpagesize', String(q.maxpagesize));
  return { value, nextLink: url.toString() };
}
