// Request body parsing. JSON is the only body the v1.0 API takes (docs/azure-api.md §1, "Content types"); the SDKs
// send `application/json; charset=utf-8` and, for activate, an empty body with that type (docs/azure-api.md §8.3),
// which must read as "no body" rather than fastify's FST_ERR_CTP_EMPTY_JSON_BODY. text/plain is refused
// (415) instead of reaching the schemas as a string.
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON text the body was parsed from (null when there was none): Rank logs its features from it. */
    jsonText: string | null;
  }
}

export function installBodyParsers(app: FastifyInstance): void {
  app.decorateRequest('jsonText', null);
  // fastify's parser guards against prototype poisoning; we only add the empty-body rule in front of it.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const parser = (request: FastifyRequest, body: string | Buffer, done: ContentTypeParserDone): void => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    request.jsonText = text;
    parseJson(request, text, done);
  };
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, parser);
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string' }, parser);
}

type ContentTypeParserDone = (err: Error | null, body?: unknown) => void;
