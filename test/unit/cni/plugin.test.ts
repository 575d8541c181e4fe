// The whole plugin in-process: dispatcher + commands + IPAM on a temp dataDir + the behaving netlink fake.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostVethName } from '../../../cni/plugin/attachment-plan.js';
import { runPlugin, type PluginOutput } from '../../../cni/plugin/dispatcher.js';
import { CNI_ERRORS } from '../../../cni/plugin/errors.js';
import { FakeNetlink } from '../../fakes/netlink.js';

let dataDir: string;
let fake: FakeNetlink;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tug-cni-unit-'));
  fake = new FakeNetlink();
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const conf = (over: Record<string, unknown> = {}) => ({
  cniVersion: '1.1.0',
  name: 'tugnet',
  type: 'tug-cni',
  subnet: '10.244.1.0/24',
  bridge: 'cni0',
  mtu: 1450,
  dataDir,
  ...over,
});

function run(command: string, env: Record<string, string> = {}, stdin: unknown = conf()): Promise<PluginOutput> {
  const text = typeof stdin === 'string' ? stdin : JSON.stringify(stdin);
  return runPlugin({ env: { CNI_COMMAND: command, CNI_PATH: '/opt/cni/bin', ...env }, stdin: text }, { netlink: fake, lockOptions: { timeoutMs: 500 } });
}

const podEnv = (i: number, ifname = 'eth0') => ({ CNI_CONTAINERID: `ctr${i}`, CNI_NETNS: `/var/run/netns/pod${i}`, CNI_IFNAME: ifname });

async function add(i: number, stdin: unknown = conf()) {
  fake.addNetns(`pod${i}`);
  const out = await run('ADD', podEnv(i), stdin);
  return { out, result: out.exitCode === 0 ? (JSON.parse(out.stdout) as Record<string, any>) : undefined };
}

function errorOf(out: PluginOutput): { code: number; msg: string; cniVersion: string } {
  expect(out.exitCode).not.toBe(0);
  return JSON.parse(out.stdout) as { code: number; msg: string; cniVersion: string };
}

const reservations = async () => (await readdir(join(dataDir, 'tugnet')).catch(() => [])).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n));

describe('VERSION', () => {
  it('lists 1.0.0 and 1.1.0 whatever the stdin says', async () => {
    for (const stdin of ['', '{"cniVersion":"9.9.9"}']) {
      const out = await runPlugin({ env: { CNI_COMMAND: 'VERSION' }, stdin }, { netlink: fake });
      expect(out.exitCode).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ cniVersion: '1.1.0', supportedVersions: ['1.0.0', '1.1.0'] });
    }
  });
});

describe('environment and config errors', () => {
  const cases: [string, Record<string, string | undefined>, unknown, number, string][] = [
    ['missing CNI_COMMAND', {}, conf(), CNI_ERRORS.INVALID_ENV, 'CNI_COMMAND'],
    ['unknown CNI_COMMAND', { CNI_COMMAND: 'FROB' }, conf(), CNI_ERRORS.INVALID_ENV, 'CNI_COMMAND'],
    ['ADD without CNI_CONTAINERID', { CNI_COMMAND: 'ADD', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, conf(), 4, 'CNI_CONTAINERID'],
    ['ADD without CNI_NETNS', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, conf(), 4, 'CNI_NETNS'],
    ['ADD without CNI_IFNAME', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/x' }, conf(), 4, 'CNI_IFNAME'],
    ['bad container id', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: '-bad id', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, conf(), 4, 'CNI_CONTAINERID'],
    ['ifname too long', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/x', CNI_IFNAME: 'a-very-long-ifname' }, conf(), 4, 'CNI_IFNAME'],
    ['ifname with slash', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'a/b' }, conf(), 4, 'CNI_IFNAME'],
    ['relative netns', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: 'proc/1/ns/net', CNI_IFNAME: 'eth0' }, conf(), 4, 'CNI_NETNS'],
    ['malformed CNI_ARGS', { CNI_COMMAND: 'ADD', ...podEnv(1), CNI_ARGS: 'IP' }, conf(), 4, 'CNI_ARGS'],
    ['bad JSON', { CNI_COMMAND: 'ADD', ...podEnv(1) }, '{"cniVersion": ', CNI_ERRORS.DECODE_FAILURE, 'not valid JSON'],
    ['JSON that is not an object', { CNI_COMMAND: 'ADD', ...podEnv(1) }, '[1]', 6, 'JSON object'],
    ['unknown cniVersion', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ cniVersion: '0.9.9' }), CNI_ERRORS.INCOMPATIBLE_VERSION, '0.9.9'],
    ['missing cniVersion', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ cniVersion: undefined }), 7, 'cniVersion'],
    ['missing name', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ name: undefined }), 7, '"name"'],
    ['bad name', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ name: '-x' }), 7, '"name"'],
    ['missing subnet', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ subnet: undefined }), CNI_ERRORS.INVALID_CONFIG, '"subnet"'],
    ['garbage subnet', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ subnet: '10.244.1/24' }), 7, '"subnet"'],
    ['subnet with host bits', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ subnet: '10.244.1.7/24' }), 7, 'did you mean 10.244.1.0/24'],
    ['subnet too small', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ subnet: '10.244.1.0/31' }), 7, '/31'],
    ['bad mtu', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ mtu: 20 }), 7, '"mtu"'],
    ['bad bridge', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ bridge: 'bridge-name-too-long' }), 7, '"bridge"'],
    ['relative dataDir', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ dataDir: 'var/lib' }), 7, '"dataDir"'],
    ['delegated ipam', { CNI_COMMAND: 'ADD', ...podEnv(1) }, conf({ ipam: { type: 'host-local' } }), CNI_ERRORS.UNSUPPORTED_FIELD, '"ipam"'],
    ['GC on a 1.0.0 config', { CNI_COMMAND: 'GC' }, conf({ cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] }), 1, 'GC'],
    ['GC without valid-attachments', { CNI_COMMAND: 'GC' }, conf(), 7, 'cni.dev/valid-attachments'],
    ['bad valid-attachments', { CNI_COMMAND: 'GC' }, conf({ 'cni.dev/valid-attachments': [{ containerID: 1 }] }), 7, 'valid-attachments[0]'],
    ['CHECK without prevResult', { CNI_COMMAND: 'CHECK', ...podEnv(1) }, conf(), 7, 'prevResult'],
  ];
  it.each(cases)('%s → code %i naming the problem', async (_name, env, stdin, code, mention) => {
    const text = typeof stdin === 'string' ? stdin : JSON.stringify(stdin);
    const out = await runPlugin({ env, stdin: text }, { netlink: fake });
    const err = errorOf(out);
    expect(err.code).toBe(code);
    expect(err.msg + JSON.stringify(err)).toContain(mention);
    expect(fake.processes).toBe(0); // nothing touched
  });

  it('answers errors in the config version when it is known, else in the latest', async () => {
    expect(errorOf(await run('ADD', podEnv(1), conf({ cniVersion: '1.0.0', subnet: 'x' }))).cniVersion).toBe('1.0.0');
    expect(errorOf(await run('ADD', podEnv(1), conf({ cniVersion: '7.0.0' }))).cniVersion).toBe('1.1.0');
  });
});

describe('ADD', () => {
  it('wires the pod as the bridge plugin does and reports it in the 1.1.0 result', async () => {
    const { out, result } = await add(1);
    expect(out.exitCode, out.stdout).toBe(0);
    const hostVeth = hostVethName('tugnet', { containerId: 'ctr1', ifname: 'eth0' });
    expect(result).toEqual({
      cniVersion: '1.1.0',
      interfaces: [
        { name: 'cni0', mac: '0a:58:0a:f4:01:01', mtu: 1450 },
        { name: hostVeth, mac: '0a:59:0a:f4:01:02', mtu: 1450 },
        { name: 'eth0', mac: '0a:58:0a:f4:01:02', mtu: 1450, sandbox: '/var/run/netns/pod1' },
      ],
      ips: [{ address: '10.244.1.2/24', gateway: '10.244.1.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.1' }],
      dns: {},
    });
    // node side
    const bridge = await fake.link({ kind: 'current' }, 'cni0');
    expect(bridge).toMatchObject({ kind: 'bridge', mac: '0a:58:0a:f4:01:01', mtu: 1450, up: true });
    expect(await fake.addresses({ kind: 'current' }, 'cni0')).toEqual([{ dev: 'cni0', family: 'inet', local: '10.244.1.1', prefixLen: 24 }]);
    expect(await fake.link({ kind: 'current' }, hostVeth)).toMatchObject({ master: 'cni0', hairpin: true, up: true, mtu: 1450 });
    // pod side
    const pod = { kind: 'named', name: 'pod1' } as const;
    expect(await fake.link(pod, 'eth0')).toMatchObject({ mac: '0a:58:0a:f4:01:02', mtu: 1450, up: true });
    expect(await fake.addresses(pod, 'eth0')).toEqual([{ dev: 'eth0', family: 'inet', local: '10.244.1.2', prefixLen: 24 }]);
    expect((await fake.routes(pod)).find((r) => r.dst === 'default')).toMatchObject({ gateway: '10.244.1.1', dev: 'eth0' });
    expect(await reservations()).toEqual(['10.244.1.2']);
  });

  it('starts 3 processes for the first pod (bridge creation) and 2 for every later one', async () => {
    await add(1);
    expect(fake.processes).toBe(3);
    fake.processes = 0;
    await add(2);
    expect(fake.processes).toBe(2);
  });

  it('1.0.0 results carry no interface mtu; dns from the config is passed through', async () => {
    const { result } = await add(1, conf({ cniVersion: '1.0.0', dns: { nameservers: ['10.96.0.10'], search: ['svc.cluster.local'] } }));
    expect(result?.['cniVersion']).toBe('1.0.0');
    expect(result?.['interfaces'][2]).toEqual({ name: 'eth0', mac: '0a:58:0a:f4:01:02', sandbox: '/var/run/netns/pod1' });
    expect(result?.['dns']).toEqual({ nameservers: ['10.96.0.10'], search: ['svc.cluster.local'] });
  });

  it('accepts a whole conflist and amends a prevResult from an earlier plugin', async () => {
    const list = { cniVersion: '1.1.0', name: 'tugnet', plugins: [{ type: 'tug-cni', subnet: '10.244.1.0/24', mtu: 1450, dataDir }] };
    const first = await add(1, list);
    expect(first.out.exitCode, first.out.stdout).toBe(0);
    const prev = { cniVersion: '1.1.0', interfaces: [{ name: 'x0' }], ips: [], routes: [{ dst: '10.0.0.0/8' }], dns: { domain: 'd' } };
    const { result } = await add(2, conf({ prevResult: prev }));
    expect(result?.['interfaces'].map((i: { name: string }) => i.name)[0]).toBe('x0');
    expect(result?.['ips'][0].interface).toBe(3);
    expect(result?.['routes']).toHaveLength(2);
  });

  it('honours CNI_ARGS IP=… and ignores unknown CNI_ARGS keys', async () => {
    fake.addNetns('pod1');
    const out = await run('ADD', { ...podEnv(1), CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.244.1.77' });
    expect(JSON.parse(out.stdout).ips[0].address).toBe('10.244.1.77/24');
    fake.addNetns('pod2');
    const taken = await run('ADD', { ...podEnv(2), CNI_ARGS: 'IP=10.244.1.77' });
    expect(errorOf(taken).code).toBe(CNI_ERRORS.REQUESTED_IP_UNAVAILABLE);
  });

  it('fails a second ADD for the same container+ifname without disturbing the first', async () => {
    await add(1);
    const second = await run('ADD', podEnv(1));
    expect(errorOf(second).code).toBe(CNI_ERRORS.ALREADY_ATTACHED);
    expect(await fake.link({ kind: 'named', name: 'pod1' }, 'eth0')).toBeDefined();
    expect(await reservations()).toEqual(['10.244.1.2']);
  });

  it('fails when the interface already exists in the netns and releases the IP', async () => {
    fake.addNetns('pod1');
    await fake.ipBatch({ kind: 'named', name: 'pod1' }, ['link add eth0 type bridge']);
    const out = await run('ADD', podEnv(1));
    expect(errorOf(out).code).toBe(CNI_ERRORS.ALREADY_ATTACHED);
    expect(await reservations()).toEqual([]);
  });

  it('fails with code 105 for a netns that does not exist, leaving nothing', async () => {
    const out = await run('ADD', podEnv(9));
    expect(errorOf(out).code).toBe(CNI_ERRORS.NETNS_UNAVAILABLE);
    expect(await reservations()).toEqual([]);
  });

  it('rolls back the veth and the IP when the pod-side batch fails', async () => {
    fake.addNetns('pod1');
    fake.failWhen((ns, line) => ns === 'pod1' && line.startsWith('route add'), 'RTNETLINK answers: Network is unreachable');
    const out = await run('ADD', podEnv(1));
    const err = errorOf(out);
    expect(err.code).toBe(CNI_ERRORS.NETLINK_FAILED);
    expect(err.msg).toContain('route add default');
    expect((await fake.links({ kind: 'current' })).map((l) => l.name)).toEqual(['cni0']);
    expect(await fake.link({ kind: 'named', name: 'pod1' }, 'eth0')).toBeUndefined();
    expect(await reservations()).toEqual([]);
    // the same pod can be added afterwards
    expect((await run('ADD', podEnv(1))).exitCode).toBe(0);
  });

  it('reports exhaustion with plugin code 100', async () => {
    const small = conf({ subnet: '10.244.1.0/30' });
    expect((await add(1, small)).out.exitCode).toBe(0);
    const err = errorOf((await add(2, small)).out);
    expect(err.code).toBe(CNI_ERRORS.IPAM_EXHAUSTED);
    expect(err.msg).toContain('no free IP');
  });

  it('reports a held lock that never frees as code 11 (try again later)', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dataDir, 'tugnet'), { recursive: true });
    const { readFile } = await import('node:fs/promises');
    const start = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]?.split(' ')[19];
    await writeFile(join(dataDir, 'tugnet', 'lock'), `${process.pid} ${start} other\n`);
    const err = errorOf((await add(1)).out);
    expect(err.code).toBe(CNI_ERRORS.TRY_AGAIN_LATER);
  });
});

describe('DEL', () => {
  it('removes the veth pair and the reservation; a second DEL succeeds', async () => {
    await add(1);
    await add(2);
    for (let n = 0; n < 2; n++) {
      const out = await run('DEL', podEnv(1));
      expect(out.exitCode, out.stdout).toBe(0);
      expect(out.stdout).toBe('');
    }
    expect(await fake.link({ kind: 'named', name: 'pod1' }, 'eth0')).toBeUndefined();
    expect(await reservations()).toEqual(['10.244.1.3']);
    expect((await fake.linkNames({ kind: 'current' })).sort()).toEqual(['cni0', hostVethName('tugnet', { containerId: 'ctr2', ifname: 'eth0' })].sort());
  });

  it('succeeds after the netns is gone (and without CNI_NETNS), freeing the IP', async () => {
    await add(1);
    fake.deleteNetns('pod1');
    const out = await run('DEL', { CNI_CONTAINERID: 'ctr1', CNI_IFNAME: 'eth0' });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(await reservations()).toEqual([]);
  });

  it('succeeds for a container it never saw', async () => {
    expect((await run('DEL', podEnv(42))).exitCode).toBe(0);
  });
});

describe('CHECK', () => {
  it('passes after ADD and names each tampering', async () => {
    const { result } = await add(1);
    const check = () => run('CHECK', podEnv(1), conf({ prevResult: result }));
    expect((await check()).exitCode).toBe(0);

    const pod = { kind: 'named', name: 'pod1' } as const;
    await fake.ipBatch(pod, ['route del default']);
    let err = errorOf(await check());
    expect(err.code).toBe(CNI_ERRORS.CHECK_FAILED);
    expect(err.msg).toContain('route 0.0.0.0/0 via 10.244.1.1 is missing');

    await fake.ipBatch(pod, ['route add default via 10.244.1.1 dev eth0', 'addr del 10.244.1.2/24 dev eth0']);
    err = errorOf(await check());
    expect(err.msg).toContain('address 10.244.1.2/24 is missing');

    await fake.ipBatch(pod, ['addr add 10.244.1.2/24 dev eth0', 'route replace default via 10.244.1.1 dev eth0']);
    expect((await check()).exitCode).toBe(0);
    const hostVeth = hostVethName('tugnet', { containerId: 'ctr1', ifname: 'eth0' });
    await fake.ipBatch({ kind: 'current' }, [`link set ${hostVeth} type bridge_slave hairpin off`]);
    expect(errorOf(await check()).msg).toContain('hairpin off');

    await fake.ipBatch({ kind: 'current' }, [`link set ${hostVeth} type bridge_slave hairpin on`]);
    await rm(join(dataDir, 'tugnet', '10.244.1.2'));
    expect(errorOf(await check()).msg).toContain('no IPAM reservation of 10.244.1.2');
  });

  it('fails when the interface is gone', async () => {
    const { result } = await add(1);
    await fake.ipBatch({ kind: 'named', name: 'pod1' }, ['link del eth0']);
    const err = errorOf(await run('CHECK', podEnv(1), conf({ prevResult: result })));
    expect(err.msg).toContain('interface eth0 is missing');
    expect(err.msg).toContain('host interface');
  });
});

describe('GC', () => {
  it('releases reservations and removes host veths of every attachment not listed as valid', async () => {
    for (let i = 1; i <= 4; i++) await add(i);
    // a veth of another network and a non-tug link must survive
    await fake.ipBatch({ kind: 'current' }, ['link add tug0000deadbeef type veth peer name x', 'link add other0 type bridge']);
    const valid = [{ containerID: 'ctr2', ifname: 'eth0' }];
    const out = await run('GC', {}, conf({ 'cni.dev/valid-attachments': valid }));
    expect(out.exitCode, out.stdout).toBe(0);
    expect(await reservations()).toEqual(['10.244.1.3']);
    const names = (await fake.linkNames({ kind: 'current' })).sort();
    expect(names).toEqual(['cni0', 'other0', hostVethName('tugnet', { containerId: 'ctr2', ifname: 'eth0' }), 'tug0000deadbeef', 'x'].sort());
    expect(await fake.link({ kind: 'named', name: 'pod1' }, 'eth0')).toBeUndefined();
    expect(await fake.link({ kind: 'named', name: 'pod2' }, 'eth0')).toBeDefined();
    // GC again is a no-op
    expect((await run('GC', {}, conf({ 'cni.dev/valid-attachments': valid }))).exitCode).toBe(0);
  });
});

describe('STATUS', () => {
  it('is 0 when ready and 50 without a subnet or with an unwritable dataDir', async () => {
    const ok = await run('STATUS');
    expect(ok).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(errorOf(await run('STATUS', {}, conf({ subnet: undefined }))).code).toBe(CNI_ERRORS.NOT_READY);
    const file = join(dataDir, 'plain-file');
    await writeFile(file, '');
    const err = errorOf(await run('STATUS', {}, conf({ dataDir: file })));
    expect(err.code).toBe(50);
    expect(err.msg).toContain('not writable');
  });
});
