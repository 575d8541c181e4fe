/**
 * iptables-restore line syntax: quoting tokens for a payload and splitting lines back into tokens
 * (double quotes group, backslash escapes a quote), as iptables-restore's own tokenizer does.
 * Shared by the payload renderer, the packet tracer and the iptables fake.
 */
export function quoteToken(t: string): string {
  if (t !== '' && !/[\s"'\\]/.test(t)) return t;
  return `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function formatRule(chain: string, rule: readonly string[], op = '-A'): string {
  return [op, chain, ...rule].map(quoteToken).join(' ');
}

export function splitTokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (inToken) out.push(cur);
  return out;
}
