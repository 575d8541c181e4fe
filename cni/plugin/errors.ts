// The error catalog. Codes 1-99 are the CNI spec's (SPEC.md "Error"); 100+ are ours. Codes never change;
// messages may. Every error the plugin prints is one of these, as {cniVersion, code, msg, details} on stdout.

export const CNI_ERRORS = {
  // --- spec codes ---
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  NOT_READY: 50,
  LIMITED_CONNECTIVITY: 51,
  // --- tug-cni codes ---
  /** every pod address of the subnet is reserved */
  IPAM_EXHAUSTED: 100,
  /** ADD for a containerID+ifname that already has an IP, or whose interface already exists */
  ALREADY_ATTACHED: 101,
  /** an `ip` command failed (details carry iproute2's stderr) */
  NETLINK_FAILED: 102,
  /** CHECK found the attachment different from what ADD created */
  CHECK_FAILED: 103,
  /** CNI_ARGS IP=… names an address outside the pod range or one already taken */
  REQUESTED_IP_UNAVAILABLE: 104,
  /** the netns given in CNI_NETNS cannot be entered */
  NETNS_UNAVAILABLE: 105,
  /** a bug: an exception the plugin did not classify */
  INTERNAL: 199,
} as const;

export type CniErrorCode = (typeof CNI_ERRORS)[keyof typeof CNI_ERRORS];

export class CniError extends Error {
  constructor(
    readonly code: CniErrorCode,
    message: string,
    readonly details = '',
  ) {
    super(message);
    this.name = 'CniError';
  }
}

export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export function errorJson(err: CniError, cniVersion: string): CniErrorJson {
  const out: CniErrorJson = { cniVersion, code: err.code, msg: err.message };
  if (err.details) out.details = err.details;
  return out;
}
