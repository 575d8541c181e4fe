/** Stable error codes of the service proxy (messages may change, codes do not). */
export type ProxyErrorCode =
  | 'TUG_PROXY_RESTORE_FAILED'
  | 'TUG_PROXY_IPTABLES_FAILED'
  | 'TUG_PROXY_CONNTRACK_FAILED'
  | 'TUG_PROXY_BAD_MODE'
  | 'TUG_PROXY_NOT_SYNCED';

export class ProxyError extends Error {
  constructor(readonly code: ProxyErrorCode, message: string) {
    super(message);
    this.name = 'ProxyError';
  }
}
