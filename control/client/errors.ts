/**
 * Stable error codes of the client library that are not API `Status` errors (those are ApiError,
 * from control/api/errors.ts). Messages may change; codes do not.
 */
export type ClientErrorCode =
  | 'TUG_CLIENT_KUBECONFIG_NOT_FOUND'
  | 'TUG_CLIENT_KUBECONFIG_INVALID'
  | 'TUG_CLIENT_CONTEXT_NOT_FOUND'
  | 'TUG_CLIENT_CLUSTER_NOT_FOUND'
  | 'TUG_CLIENT_USER_NOT_FOUND'
  | 'TUG_CLIENT_AUTH_UNSUPPORTED';

export class ClientConfigError extends Error {
  constructor(readonly code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'ClientConfigError';
  }
}
