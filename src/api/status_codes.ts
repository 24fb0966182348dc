// The error code sent with a status that has no more specific one (errors.ts): the HTTP reason in Azure's
// PascalCase style (the v1.0 ErrorCode enum's BadRequest, ResourceNotFound, PayloadSizeExceeded; clients treat
// the code as a free string, docs/azure-api.md §4), so a 403 never says BadRequest.
const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: '401',
  403: 'Forbidden',
  404: 'ResourceNotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'RequestTimeout',
  409: 'Conflict',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'PayloadSizeExceeded',
  414: 'UriTooLong',
  416: 'RangeNotSatisfiable',
  417: 'ExpectationFailed',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
};

export function codeForStatus(status: number): string {
  return CODES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest');
}
