/** Prints each step of a long operation as it happens (`tug up`), with its duration. */
export interface Progress {
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
  info(text: string): void;
}

export function consoleProgress(out: NodeJS.WritableStream = process.stdout): Progress {
  return {
    async step(title, fn) {
      out.write(` • ${title} …\n`);
      const started = Date.now();
      try {
        const result = await fn();
        out.write(` ✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
        return result;
      } catch (err) {
        out.write(` ✗ ${title}: ${(err as Error).message}\n`);
        throw err;
      }
    },
    info(text) {
      out.write(`   ${text}\n`);
    },
  };
}
