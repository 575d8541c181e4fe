// Spec versions this plugin implements. 1.0.0 is the floor (plain configs, no `interfaces[].version`);
// 1.1.0 adds GC, STATUS and `interfaces[].mtu`.
export const SUPPORTED_VERSIONS = ['1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

export function isSupportedVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** a >= b for dotted numeric versions. */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
