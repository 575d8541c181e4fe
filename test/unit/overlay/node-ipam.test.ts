// The pure part of the node-ipam controller: which /24 a new node gets.
import { describe, expect, it } from 'vitest';
import { allocatePodCidr, nodePodCidrs } from '../../../control/controllers/node-ipam.js';

describe('allocatePodCidr', () => {
  it('starts at the second /24 of the cluster CIDR', () => {
    expect(allocatePodCidr('10.244.0.0/16', new Set())).toBe('10.244.1.0/24');
  });
  it('gives the lowest free range, reusing a released one first', () => {
    expect(allocatePodCidr('10.244.0.0/16', new Set(['10.244.1.0/24', '10.244.2.0/24']))).toBe('10.244.3.0/24');
    expect(allocatePodCidr('10.244.0.0/16', new Set(['10.244.1.0/24', '10.244.3.0/24']))).toBe('10.244.2.0/24');
  });
  it('ignores used ranges outside the cluster CIDR', () => {
    expect(allocatePodCidr('10.244.0.0/16', new Set(['10.99.1.0/24']))).toBe('10.244.1.0/24');
  });
  it('returns undefined when every range is taken', () => {
    const used = new Set(Array.from({ length: 255 }, (_, i) => `10.244.${i + 1}.0/24`));
    expect(allocatePodCidr('10.244.0.0/16', used)).toBeUndefined();
    expect(allocatePodCidr('10.0.0.0/23', new Set(['10.0.1.0/24']))).toBeUndefined();
  });
  it('crosses octet boundaries for larger cluster CIDRs', () => {
    const used = new Set(Array.from({ length: 255 }, (_, i) => `10.0.${i + 1}.0/24`));
    expect(allocatePodCidr('10.0.0.0/15', used)).toBe('10.1.0.0/24');
  });
  it('a /24 cluster CIDR has exactly one range to give', () => {
    expect(allocatePodCidr('192.168.5.0/24', new Set())).toBe('192.168.5.0/24');
    expect(allocatePodCidr('192.168.5.0/24', new Set(['192.168.5.0/24']))).toBeUndefined();
  });
  it('refuses a cluster CIDR that cannot hold /24s or is not canonical', () => {
    expect(() => allocatePodCidr('10.244.0.0/25', new Set())).toThrow(/cannot hold/);
    expect(() => allocatePodCidr('10.244.3.0/16', new Set())).toThrow(/cannot hold/);
    expect(() => allocatePodCidr('banana', new Set())).toThrow(/cannot hold/);
  });
});

describe('nodePodCidrs', () => {
  it('collects podCIDR and podCIDRs without duplicates', () => {
    expect(nodePodCidrs({ metadata: { name: 'a' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } })).toEqual(['10.244.1.0/24']);
    expect(nodePodCidrs({ metadata: { name: 'a' }, spec: {} })).toEqual([]);
    expect(nodePodCidrs({ metadata: { name: 'a' } })).toEqual([]);
  });
});
