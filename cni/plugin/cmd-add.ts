// ADD: reserve an IP, then wire the pod with two `ip -batch` processes (node side, pod side), plus one more
// the first time the node's bridge is created.
//
// Acquire-with-rollback: every step after the reservation undoes what came before it when it fails (veth
// deleted, IP released), so a failed ADD leaves nothing behind. A SIGKILL can still interrupt between steps;
// what it leaves (a reservation file, a host veth, a lock file) is exactly what GC and the stale-lock
// detection reclaim — see README "Crash safety".
import { CURRENT_NETNS, netnsFromPath, NetlinkError } from '../netlink/netlink.js';
import { bridgeCreateLines, hostLines, planAttachment, podLines } from './attachment-plan.js';
import { requireSubnet } from './config.js';
import { allocatorFor, toCniError, type CommandContext } from './context.js';
import { CniError, CNI_ERRORS } from './errors.js';
import { amendPrevResult, buildResult, type CniResult } from './result.js';

export async function cmdAdd(ctx: CommandContext): Promise<CniResult> {
  const { env, conf, netlink } = ctx;
  const subnet = requireSubnet(conf);
  const podNs = netnsFromPath(env.netns);
  if (!(await netlink.netnsExists(podNs))) {
    throw new CniError(CNI_ERRORS.NETNS_UNAVAILABLE, `CNI_NETNS ${env.netns} does not exist or cannot be opened`);
  }
  const att = { containerId: env.containerId, ifname: env.ifname };
  const allocator = allocatorFor(ctx);
  const ip = await allocator.allocate(att, env.args.get('IP'));

  const plan = planAttachment({ networkName: conf.name, subnet, bridge: conf.bridge, mtu: conf.mtu, att, ip });
  let vethMayExist = false;
  try {
    if (!(await netlink.linkNames(CURRENT_NETNS)).includes(plan.bridge)) {
      try {
        await netlink.ipBatch(CURRENT_NETNS, bridgeCreateLines(plan));
      } catch (err) {
        // A concurrent ADD created it first: fine, the host batch configures it idempotently.
        if (!(err instanceof NetlinkError && err.exists)) throw err;
      }
    }
    vethMayExist = true;
    try {
      await netlink.ipBatch(CURRENT_NETNS, hostLines(plan, podNs));
    } catch (err) {
      if (err instanceof NetlinkError && err.exists) {
        // The pair is created in one step, so EEXIST means our names were taken before this ADD: do not
        // delete a veth we did not create.
        vethMayExist = false;
        throw new CniError(
          CNI_ERRORS.ALREADY_ATTACHED,
          `interface ${plan.podIf} already exists in ${env.netns}, or host interface ${plan.hostVeth} already exists`,
          err.stderr,
        );
      }
      throw err;
    }
    await netlink.ipBatch(podNs, podLines(plan));
  } catch (err) {
    await rollback(ctx, plan.hostVeth, vethMayExist, att);
    throw toCniError(err);
  }

  const ours = buildResult(conf.cniVersion, plan, env.netns, conf.dns);
  return conf.prevResult ? amendPrevResult(conf.prevResult, ours) : ours;
}

async function rollback(ctx: CommandContext, hostVeth: string, vethMayExist: boolean, att: { containerId: string; ifname: string }) {
  if (vethMayExist) {
    // Deleting the host end removes the pod end too (a veth pair dies together).
    await ctx.netlink.ipBatch(CURRENT_NETNS, [`link del ${hostVeth}`]).catch((err: unknown) => {
      if (!(err instanceof NetlinkError && err.missing)) ctx.log(`rollback: deleting ${hostVeth} failed: ${String(err)}`);
    });
  }
  await allocatorFor(ctx)
    .release(att)
    .catch((err: unknown) => ctx.log(`rollback: releasing the IP of ${att.containerId}/${att.ifname} failed: ${String(err)}`));
}
