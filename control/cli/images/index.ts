/**
 * The offline images every local cluster needs: tugboat/pause (holds a pod's network namespace)
 * and tugboat/testapp (the experiment server). Built from what the machine has, never pulled;
 * rebuilt only when their content hash changes. Called by `tug up` and `tug images build`.
 */
import { buildImage, type BuildOutcome, type DockerCli } from './builder.js';
import { pauseImageSpec, testappImageSpec, type ImageSpec } from './specs.js';

export { PAUSE_IMAGE, TESTAPP_IMAGE, PAUSE_SCRIPT } from './specs.js';
export { CONTENT_HASH_LABEL, contentHash, installedHash } from './builder.js';
export type { BuildOutcome } from './builder.js';

export interface BuildImagesOptions {
  log?: (line: string) => void;
  /** rebuild even when the hash matches */
  force?: boolean;
  /** build only these images (by name); default all */
  only?: string[];
  docker?: DockerCli;
}

export function imageSpecs(): ImageSpec[] {
  return [pauseImageSpec(), testappImageSpec()];
}

export async function buildImages(opts: BuildImagesOptions = {}): Promise<BuildOutcome[]> {
  const log = opts.log ?? (() => undefined);
  const out: BuildOutcome[] = [];
  for (const spec of imageSpecs()) {
    if (opts.only && !opts.only.includes(spec.name)) continue;
    const r = await buildImage(spec, { force: opts.force, docker: opts.docker });
    log(r.built ? `built ${r.name} (${r.hash.slice(0, 12)}) in ${(r.ms / 1000).toFixed(1)}s` : `${r.name} is up to date (${r.hash.slice(0, 12)})`);
    out.push(r);
  }
  return out;
}
