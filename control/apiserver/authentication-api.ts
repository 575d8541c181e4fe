/**
 * authentication.k8s.io/v1 SelfSubjectReview, computed from the request's own credentials and
 * never stored: `kubectl auth whoami` (with any credential: admin certificate, static token, a
 * service account token from `kubectl create token` or a pod's mounted token) shows who the API
 * server takes the caller to be. The request body is read and ignored, as upstream ignores it.
 */
import type { ResourceInfo } from '../api/resources.js';
import type { UserInfo } from './user-info.js';

export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
export const SELF_SUBJECT_REVIEWS_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** What discovery announces for the group: create-only, cluster-scoped, like kube-apiserver. */
export const AUTHENTICATION_RESOURCES: readonly ResourceInfo[] = [{
  group: AUTHENTICATION_GROUP, version: 'v1', resource: 'selfsubjectreviews', singular: 'selfsubjectreview',
  kind: 'SelfSubjectReview', listKind: 'SelfSubjectReviewList', namespaced: false,
  shortNames: [], categories: [], verbs: ['create'], subresources: [],
}];

export function selfSubjectReview(user: UserInfo, now: Date): object {
  const userInfo: Record<string, unknown> = { username: user.name };
  if (user.uid) userInfo.uid = user.uid;
  userInfo.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) userInfo.extra = user.extra;
  return {
    kind: 'SelfSubjectReview', apiVersion: `${AUTHENTICATION_GROUP}/v1`,
    metadata: { creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z') },
    status: { userInfo },
  };
}
