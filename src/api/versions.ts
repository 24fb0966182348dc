// The API versions this server answers and how a request names one (docs/azure-api.md §1; docs/api-versions.md).
// Path style: /personalizer/v1.0/…, /personalizer/v1.1-preview.1|2|3/…. Query style (2022-09-01-preview, the
// Python azure-ai-personalizer SDK): /personalizer/…?api-version=2022-09-01-preview, required on every operation.
//
// Version errors follow the Azure REST API Guidelines ("Versioning": a missing api-version is 400
// MissingApiVersionParameter, an unknown one 400 UnsupportedApiVersionValue naming the supported ones). A path
// naming a version this server does not have (/personalizer/v9/rank) has no resource behind it: 404, as API
// Management answered, with the code UnsupportedApiVersionValue so that the cause is plain.
export const API_ROOT = '/personalizer';
export const PATH_VERSIONS = ['v1.0', 'v1.1-preview.1', 'v1.1-preview.2', 'v1.1-preview.3'] as const;
export const QUERY_VERSION = '2022-09-01-preview';
export type PathVersion = (typeof PATH_VERSIONS)[number];
export type ApiVersion = PathVersion | typeof QUERY_VERSION;

/** The base path of a path-style version, e.g. /personalizer/v1.0. */
export function basePath(version: PathVersion): string {
  return `${API_ROOT}/${version}`;
}

const SUPPORTED = `${PATH_VERSIONS.map((v) => basePath(v)).join(', ')} and ${API_ROOT}/…?api-version=${QUERY_VERSION}`;

export interface VersionError {
  status: number;
  code: string;
  message: string;
}

/**
 * What is wrong with a query-style request's api-version parameter; undefined when it names 2022-09-01-preview
 * (also when it is repeated with that same value: a client following a nextLink may add its own to the link's).
 */
export function apiVersionError(value: unknown): VersionError | undefined {
  if (value === QUERY_VERSION) return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v === QUERY_VERSION)) return undefined;
  if (value === undefined || value === '') {
    return {
      status: 400,
      code: 'MissingApiVersionParameter',
      message: `The api-version query parameter (?api-version=) is required for all requests under ${API_ROOT}/ without a version in the path; this server supports api-version=${QUERY_VERSION}.`,
    };
  }
  const shown = Array.isArray(value) ? value.join(',') : String(value);
  return {
    status: 400,
    code: 'UnsupportedApiVersionValue',
    message: `Unsupported api-version '${shown.slice(0, 64)}'. The supported api-versions are '${QUERY_VERSION}' (and the base paths ${PATH_VERSIONS.map((v) => basePath(v)).join(', ')}).`,
  };
}

/** Operations that exist only in the previews: under /personalizer/v1.0 they get a message saying where they are. */
const PREVIEW_ONLY = [/^\/multislot(\/|$)/, /^\/logs\/(interactions|observations)$/, /^\/featureImportances(\/|$)/];

/**
 * Why a request matched no route, when it is about versions: an unknown version segment, or a preview-only
 * operation asked of v1.0. undefined for every other path (the usual 404 ResourceNotFound).
 */
export function versionMismatch(path: string): VersionError | undefined {
  if (!path.startsWith(`${API_ROOT}/`)) return undefined;
  const rest = path.slice(API_ROOT.length + 1);
  const slash = rest.indexOf('/');
  const segment = slash < 0 ? rest : rest.slice(0, slash);
  const op = slash < 0 ? '' : rest.slice(slash);
  if ((PATH_VERSIONS as readonly string[]).includes(segment)) {
    if (segment === 'v1.0' && PREVIEW_ONLY.some((p) => p.test(op))) {
      return {
        status: 404,
        code: 'ResourceNotFound',
        message: `${op} is not an operation of API v1.0: it is served under ${basePath('v1.1-preview.3')} (and the other previews) and with ?api-version=${QUERY_VERSION}.`,
      };
    }
    return undefined;
  }
  // v2, v1.1, v1.1-preview.4, V1.0 …: a version, not an operation name (those start with a lower-case letter other than a v followed by a digit).
  if (/^v\d/i.test(segment)) {
    return { status: 404, code: 'UnsupportedApiVersionValue', message: `Unsupported API version '${segment.slice(0, 64)}' in the path. The supported versions are ${SUPPORTED}.` };
  }
  return undefined;
}
