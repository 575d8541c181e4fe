// The shared Netlink behaviour suite against real iproute2 in a throwaway netns (one per test).
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe } from 'vitest';
import { IpRoute2Netlink } from '../../../cni/netlink/iproute2.js';
import { netlinkContract } from '../../unit/cni/netlink-contract.js';

const created: string[] = [];
let counter = 0;

function freshNetns(): string {
  const name = `tugt-nl-${process.pid}-${counter++}`;
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  created.push(name);
  return name;
}

function cleanup() {
  for (const name of created.splice(0)) spawnSync('ip', ['netns', 'del', name]);
}

afterEach(cleanup);
afterAll(cleanup);

describe('IpRoute2Netlink (real iproute2, named netns)', () => {
  netlinkContract(() => ({ netlink: new IpRoute2Netlink(), ns: { kind: 'named', name: freshNetns() } }));
});

describe('IpRoute2Netlink (real iproute2, netns by path through nsenter)', () => {
  netlinkContract(() => ({ netlink: new IpRoute2Netlink(), ns: { kind: 'path', path: `/var/run/netns/${freshNetns()}` } }));
});
