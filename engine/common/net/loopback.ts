// Whether a host name or address can only reach this machine: `localhost` (and its subdomains,
// RFC 6761), 127.0.0.0/8, ::1, and 127.x as an IPv4-mapped IPv6 address in any spelling (URL
// writes [::ffff:127.0.0.1] as [::ffff:7f00:1]). Parsed by hand: this folder runs in the browser too.

/** True for a loopback host: `localhost`, `*.localhost`, 127.0.0.0/8, ::1, ::ffff:127.x.y.z (brackets, a trailing dot and a zone id allowed). */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h.includes(':')) {
    const groups = ipv6Groups(h.replace(/%.*$/, ''));
    if (!groups) return false;
    if (groups.slice(0, 5).some((g) => g !== 0)) return false;
    if (groups[5] === 0 && groups[6] === 0 && groups[7] === 1) return true;
    return groups[5] === 0xffff && groups[6]! >> 8 === 127;
  }
  const octets = ipv4Octets(h);
  return octets !== undefined && octets[0] === 127;
}

/** Dotted-decimal IPv4 (four parts, each 0-255), else undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** An IPv6 address as its eight 16-bit groups (`::` expanded, a dotted IPv4 tail as two groups), else undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Octets(piece);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
