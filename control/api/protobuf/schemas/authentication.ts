/**
 * k8s.io/api authentication/v1: TokenRequest, which `kubectl create token` POSTs as protobuf to
 * serviceaccounts/<name>/token. Row format: see ../schema.ts. No omitempty on the spec fields:
 * that is why upstream answers carry `"boundObjectRef": null`.
 */
import type { SchemaSet } from '../schema.js';

export const authenticationV1: SchemaSet = {
  TokenRequest: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'TokenRequestSpec', 'spec'],
    [3, 'TokenRequestStatus', 'status,omitempty'],
  ],
  TokenRequestSpec: [
    [1, '[]string', 'audiences'],
    [4, '*int64', 'expirationSeconds'],
    [3, '*BoundObjectReference', 'boundObjectRef'],
  ],
  BoundObjectReference: [
    [1, 'string', 'kind,omitempty'],
    [2, 'string', 'apiVersion,omitempty'],
    [3, 'string', 'name,omitempty'],
    [4, 'string', 'uid,omitempty'],
  ],
  TokenRequestStatus: [
    [1, 'string', 'token'],
    [2, 'Time', 'expirationTimestamp'],
  ],
};
