/**
 * Kubernetes `Status` errors. Every layer (store, API server, clients) throws ApiError so the
 * HTTP answer is a faithful Status with the code and reason kubectl expects (see
 * notes/kubectl-api-surface.md §7): 404/409 carry the resource plural in details.kind, 422 the Kind.
 */
export type StatusReason =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'BadRequest' | 'Unauthorized'
  | 'Forbidden' | 'MethodNotAllowed' | 'Gone' | 'Expired' | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType' | 'NotAcceptable' | 'ServiceUnavailable' | 'Timeout'
  | 'InternalError' | 'TooManyRequests';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: this.message, reason: this.reason, code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** `resource` is the plural (`deployments`), `group` '' for core. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(resource: string, group: string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`,
      { name, group, kind: resource });
  },
  alreadyExists(resource: string, group: string, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`,
      { name, group, kind: resource });
  },
  conflict(resource: string, group: string, name: string, why?: string): ApiError {
    return new ApiError(409, 'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why ?? 'the object has been modified; please apply your changes to the latest version and try again'}`,
      { name, group, kind: resource });
  },
  /** 422 with one cause per invalid field; `kind` is the Kind (Deployment), not the plural. */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    const message = `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`;
    return new ApiError(422, 'Invalid', message, { name, group, kind, causes });
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  },
  methodNotAllowed(message: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  },
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  unavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 });
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', message);
  },
};

/** A field-level problem, accumulated by validators and turned into one 422. */
export interface FieldError {
  field: string;
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong */
  reason: string;
  message: string;
}

export function fieldErrorsToCauses(errs: FieldError[]): StatusCause[] {
  return errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field }));
}
