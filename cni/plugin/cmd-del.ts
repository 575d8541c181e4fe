// DEL: idempotent. Missing netns, missing link, unknown container and a repeated DEL all succeed.
// The veth goes first and the IP second: if the link removal fails the reservation stays, the runtime retries
// DEL, and the IP is never handed to a new pod while the old interface still carries it.
import { CURRENT_NETNS, NetlinkError } from '../netlink/netlink.js';
import { hostVethName } from './attachment-plan.js';
import { allocatorFor, type CommandContext } from './context.js';

export async function cmdDel(ctx: CommandContext): Promise<void> {
  const { env, conf, netlink } = ctx;
  const att = { containerId: env.containerId, ifname: env.ifname };
  const hostVeth = hostVethName(conf.name, att);
  // /proc/net/dev: no process at all when the pair is already gone (e.g. the netns was deleted).
  if ((await netlink.linkNames(CURRENT_NETNS)).includes(hostVeth)) {
    try {
      await netlink.ipBatch(CURRENT_NETNS, [`link del ${hostVeth}`]);
    } catch (err) {
      if (!(err instanceof NetlinkError && err.missing)) throw err; // vanished meanwhile with its netns
    }
  }
  const freed = await allocatorFor(ctx).release(att);
  if (freed.length > 0) ctx.log(`released ${freed.join(', ')} of ${att.containerId}/${att.ifname}`);
}
