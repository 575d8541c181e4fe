/** Who made a request, as authenticators report it (k8s.io/apiserver user.Info). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** authenticator-specific facts, e.g. authentication.kubernetes.io/pod-name for service account tokens */
  extra?: Record<string, string[]>;
}
