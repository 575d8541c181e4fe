/**
 * Chain names exactly as upstream kube-proxy derives them, so rules read the same as on any
 * Kubernetes node: prefix + the first 16 characters of base32(sha256(service port name +
 * lower-case protocol [+ endpoint])). e.g. default/kubernetes:https tcp → KUBE-SVC-NPX46M4PTMTKRN6Y.
 */
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function hash16(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

const proto = (p: string) => p.toLowerCase();

export const svcChain = (portName: string, protocol: string) => `KUBE-SVC-${hash16(portName + proto(protocol))}`;
export const svlChain = (portName: string, protocol: string) => `KUBE-SVL-${hash16(portName + proto(protocol))}`;
export const extChain = (portName: string, protocol: string) => `KUBE-EXT-${hash16(portName + proto(protocol))}`;
export const sepChain = (portName: string, protocol: string, endpoint: string) => `KUBE-SEP-${hash16(portName + proto(protocol) + endpoint)}`;

/** Prefixes of the per-service chains a proxy owns; stale ones are deleted on the first full sync. */
export const PER_SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}$/;
