// STATUS (spec 1.1.0): ready (exit 0, no output) when the subnet is configured and the data directory is
// writable; otherwise code 50 ("plugin not available; cannot service ADD") with the reason.
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeDir, type CommandContext } from './context.js';
import { CniError, CNI_ERRORS } from './errors.js';

export async function cmdStatus(ctx: CommandContext): Promise<void> {
  const { conf } = ctx;
  if (!conf.subnet) throw new CniError(CNI_ERRORS.NOT_READY, `not ready: ${conf.subnetProblem ?? 'no subnet configured'}`);
  const dir = storeDir(conf);
  // A real write, not access(W_OK): root passes access() even on a read-only mount.
  const probe = join(dir, `.status-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    throw new CniError(CNI_ERRORS.NOT_READY, `not ready: data directory ${dir} is not writable: ${(err as Error).message}`);
  }
}
