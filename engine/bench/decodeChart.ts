// The decode-speed chart of bench:compare as SVG: tok/s against context depth for each engine,
// plus the memory-bandwidth limit (bandwidth ÷ bytes read per token: the 4-bit weights once, plus
// the KV cache of the context). Plain SVG text so any rasterizer can turn it into a PNG.

export interface ChartSeries {
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

/** Bytes a decode step reads at context `context`: 4-bit block-32 weights (nibbles, fp32 scales, 4-bit zero points) of every projection and the lm_head, plus the fp32 KV cache. */
export function bytesReadPerToken(d: { vocabSize: number; hiddenSize: number; intermediateSize: number; numLayers: number; numKvHeads: number; headDim: number }, context: number, kvBytesPerValue = 4): number {
  const kv = d.numKvHeads * d.headDim;
  const perLayer = 2 * d.hiddenSize * d.hiddenSize + 2 * d.hiddenSize * kv + 3 * d.hiddenSize * d.intermediateSize;
  const weights = d.numLayers * perLayer + d.vocabSize * d.hiddenSize;
  const bytesPerWeight = 0.5 + 4 / 32 + 0.5 / 32;
  const kvCache = context * d.numLayers * 2 * kv * kvBytesPerValue;
  return weights * bytesPerWeight + kvCache;
}

const W = 760;
const H = 440;
const M = { left: 70, right: 250, top: 40, bottom: 60 };

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const step = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function decodeChartSvg(title: string, series: ChartSeries[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const xMin = 0;
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(1, ...ys) * 1.05);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => M.top + ph - (y / yMax) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2 - M.right / 2}" y="24" font-size="16" text-anchor="middle">${escape(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(y)}" y2="${sy(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${sy(y) + 4}" font-size="12" text-anchor="end">${+y.toFixed(1)}</text>`);
    const x = xMin + ((xMax - xMin) * i) / 5;
    out.push(`<text x="${sx(x)}" y="${M.top + ph + 18}" font-size="12" text-anchor="middle">${Math.round(x)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 18}" font-size="13" text-anchor="middle">context depth (tokens before decoding)</text>`);
  out.push(`<text x="18" y="${M.top + ph / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${M.top + ph / 2})">decode tok/s</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    const path = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${dash}/>`);
    for (const p of pts) out.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    const ly = M.top + 12 + i * 22;
    out.push(`<line x1="${W - M.right + 14}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${dash}/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}" font-size="12">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
