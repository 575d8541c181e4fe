// CHECK: compare what ADD reported (prevResult) with what exists. Every difference is listed in one
// CHECK_FAILED (103) error, so an operator sees all tampering at once. Extra state added later by chained
// plugins (more addresses, more routes) is tolerated, as the spec asks.
import { CURRENT_NETNS, netnsFromPath } from '../netlink/netlink.js';
import { hostVethName } from './attachment-plan.js';
import { requireSubnet } from './config.js';
import { allocatorFor, type CommandContext } from './context.js';
import { CniError, CNI_ERRORS } from './errors.js';
import type { CniInterface, CniIpConfig, CniRoute } from './result.js';

interface Expected {
  iface: CniInterface;
  ips: CniIpConfig[];
  routes: CniRoute[];
}

function expectedFrom(prev: Record<string, unknown>, ifname: string, sandbox: string): Expected {
  const interfaces = Array.isArray(prev['interfaces']) ? (prev['interfaces'] as CniInterface[]) : [];
  const index = interfaces.findIndex((i) => i.name === ifname && (i.sandbox === undefined || i.sandbox === sandbox));
  const iface = interfaces[index];
  if (!iface) {
    throw new CniError(CNI_ERRORS.INVALID_CONFIG, `prevResult has no interface "${ifname}" in sandbox ${sandbox}`);
  }
  const ips = (Array.isArray(prev['ips']) ? (prev['ips'] as CniIpConfig[]) : []).filter((ip) => ip.interface === index);
  const routes = Array.isArray(prev['routes']) ? (prev['routes'] as CniRoute[]) : [];
  return { iface, ips, routes };
}

export async function cmdCheck(ctx: CommandContext): Promise<void> {
  const { env, conf, netlink } = ctx;
  requireSubnet(conf);
  if (!conf.prevResult) throw new CniError(CNI_ERRORS.INVALID_CONFIG, '"prevResult" is required for CHECK');
  const expected = expectedFrom(conf.prevResult, env.ifname, env.netns);
  const att = { containerId: env.containerId, ifname: env.ifname };
  const problems: string[] = [];

  const reserved = (await allocatorFor(ctx).find(att)).map((r) => r.ip);
  for (const ip of expected.ips) {
    const addr = ip.address.split('/')[0] ?? '';
    if (!reserved.includes(addr)) problems.push(`no IPAM reservation of ${addr} for ${att.containerId}/${att.ifname}`);
  }

  const podNs = netnsFromPath(env.netns);
  if (!(await netlink.netnsExists(podNs))) {
    problems.push(`netns ${env.netns} does not exist`);
  } else {
    const link = await netlink.link(podNs, env.ifname);
    if (!link) problems.push(`interface ${env.ifname} is missing in ${env.netns}`);
    else {
      if (expected.iface.mac && link.mac.toLowerCase() !== expected.iface.mac.toLowerCase()) {
        problems.push(`interface ${env.ifname} has MAC ${link.mac}, expected ${expected.iface.mac}`);
      }
      if (link.mtu !== conf.mtu) problems.push(`interface ${env.ifname} has MTU ${link.mtu}, expected ${conf.mtu}`);
      if (!link.up) problems.push(`interface ${env.ifname} is down`);
      const addrs = (await netlink.addresses(podNs, env.ifname)).map((a) => `${a.local}/${a.prefixLen}`);
      for (const ip of expected.ips) {
        if (!addrs.includes(ip.address)) problems.push(`address ${ip.address} is missing on ${env.ifname}`);
      }
      const routes = await netlink.routes(podNs);
      for (const r of expected.routes) {
        const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst;
        const gw = r.gw ?? expected.ips[0]?.gateway;
        const found = routes.some((have) => have.dst === dst && (gw === undefined || have.gateway === gw));
        if (!found) problems.push(`route ${r.dst}${gw ? ` via ${gw}` : ''} is missing in ${env.netns}`);
      }
    }
  }

  const hostVeth = hostVethName(conf.name, att);
  const host = await netlink.link(CURRENT_NETNS, hostVeth);
  if (!host) problems.push(`host interface ${hostVeth} is missing`);
  else {
    if (host.master !== conf.bridge) problems.push(`host interface ${hostVeth} is not attached to bridge ${conf.bridge}`);
    if (host.hairpin !== true) problems.push(`host interface ${hostVeth} has hairpin off`);
    if (!host.up) problems.push(`host interface ${hostVeth} is down`);
  }

  if (problems.length > 0) {
    throw new CniError(CNI_ERRORS.CHECK_FAILED, `CHECK failed for ${att.containerId}/${att.ifname}: ${problems.join('; ')}`);
  }
}
