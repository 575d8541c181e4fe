/**
 * Turning an error response into an ApiError: the Status body when the server sent one
 * (code, reason, message, details kept as sent), otherwise a Status synthesised from the HTTP code
 * with the reason kube-apiserver would use for it.
 */
import { ApiError } from '../api/errors.js';
import type { Status, StatusReason } from '../api/errors.js';

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError',
  503: 'ServiceUnavailable', 504: 'Timeout',
};

export function reasonForCode(code: number): StatusReason {
  return REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
}

export function statusToError(httpCode: number, status: Partial<Status> | undefined, fallbackMessage?: string): ApiError {
  const code = typeof status?.code === 'number' && status.code > 0 ? status.code : httpCode;
  const reason = (typeof status?.reason === 'string' && status.reason !== '' ? status.reason : reasonForCode(code)) as StatusReason;
  const message = typeof status?.message === 'string' && status.message !== ''
    ? status.message
    : fallbackMessage ?? `the server responded with status ${code}`;
  return new ApiError(code, reason, message, status?.details);
}

/** Error from a response body that may or may not be a JSON Status. */
export function errorFromBody(httpCode: number, body: string, statusText?: string): ApiError {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && (parsed as { kind?: unknown }).kind === 'Status') {
      return statusToError(httpCode, parsed as Partial<Status>);
    }
  } catch {
    // not JSON: fall through to a synthesised Status
  }
  const text = body.trim().slice(0, 500);
  return statusToError(httpCode, undefined, text || statusText || undefined);
}
