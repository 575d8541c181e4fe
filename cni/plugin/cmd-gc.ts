// GC (spec 1.1.0): release every reservation and remove every host veth of this network whose attachment is
// not in `cni.dev/valid-attachments`. This is the fix for host-local's leak after unclean reboots and for
// anything a SIGKILL interrupted. It continues past errors and reports them together at the end.
import { CURRENT_NETNS, NetlinkError } from '../netlink/netlink.js';
import { hostVethName, isHostVethOf } from './attachment-plan.js';
import { allocatorFor, toCniError, type CommandContext } from './context.js';
import { CniError, CNI_ERRORS } from './errors.js';

export async function cmdGc(ctx: CommandContext): Promise<void> {
  const { conf, netlink } = ctx;
  const valid = conf.validAttachments;
  if (!valid) {
    // Treating a missing list as "nothing is valid" would tear down every pod: refuse instead.
    throw new CniError(CNI_ERRORS.INVALID_CONFIG, '"cni.dev/valid-attachments" is required for GC');
  }
  const errors: string[] = [];

  try {
    const freed = await allocatorFor(ctx).gc(valid);
    if (freed.length > 0) ctx.log(`GC released ${freed.map((r) => `${r.ip} (${r.containerId || 'empty'}/${r.ifname})`).join(', ')}`);
  } catch (err) {
    errors.push(`IPAM: ${toCniError(err).message}`);
  }

  try {
    const keep = new Set(valid.map((a) => hostVethName(conf.name, a)));
    const stale = (await netlink.linkNames(CURRENT_NETNS)).filter((n) => isHostVethOf(conf.name, n) && !keep.has(n));
    if (stale.length > 0) {
      try {
        await netlink.ipBatch(CURRENT_NETNS, stale.map((n) => `link del ${n}`), { force: true });
      } catch (err) {
        // A link can vanish between listing and deleting (its netns went away): that is success.
        if (!(err instanceof NetlinkError && err.missing)) throw err;
      }
      ctx.log(`GC removed host veths ${stale.join(', ')}`);
    }
  } catch (err) {
    errors.push(`links: ${toCniError(err).message}`);
  }

  if (errors.length > 0) throw new CniError(CNI_ERRORS.IO_FAILURE, `GC finished with errors: ${errors.join('; ')}`);
}
