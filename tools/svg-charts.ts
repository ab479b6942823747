/**
 * Three small SVG charts for BENCHMARKS.md (no dependencies): horizontal bars with min–max
 * whiskers, lines over time, and a heat map. Plain SVG 1.1 text, readable on GitHub.
 */

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac']
const FONT = 'font-family="Helvetica,Arial,sans-serif"'

export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (Math.abs(n) >= 1e4) return `${Number((n / 1e3).toFixed(Math.abs(n) >= 1e5 ? 0 : 1))}k`
  if (Math.abs(n) >= 100) return String(Math.round(n))
  return String(Number(n.toFixed(2)))
}

function niceMax(v: number): number {
  if (v <= 0 || !Number.isFinite(v)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

export interface Bar {
  label: string
  value: number
  min?: number
  max?: number
}

/** Groups of horizontal bars (e.g. one group per data set, one bar per contender). */
export function barChart(o: { title: string; unit: string; groups: { label: string; bars: Bar[] }[] }): string {
  const labelW = 190
  const plotW = 420
  const barH = 16
  const gap = 4
  const groupGap = 18
  const top = 34
  const max = niceMax(Math.max(...o.groups.flatMap((g) => g.bars.map((b) => b.max ?? b.value))))
  const x = (v: number): number => labelW + (v / max) * plotW
  let y = top
  const parts: string[] = []
  for (const g of o.groups) {
    parts.push(`<text x="4" y="${y + 11}" font-size="12" font-weight="bold" ${FONT}>${esc(g.label)}</text>`)
    y += 16
    for (const [i, b] of g.bars.entries()) {
      const w = Math.max(0, x(b.value) - labelW)
      parts.push(`<text x="${labelW - 6}" y="${y + barH - 4}" font-size="11" text-anchor="end" ${FONT}>${esc(b.label)}</text>`)
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${PALETTE[i % PALETTE.length]}"/>`)
      if (b.min !== undefined && b.max !== undefined) {
        const cy = y + barH / 2
        parts.push(`<line x1="${x(b.min).toFixed(1)}" y1="${cy}" x2="${x(b.max).toFixed(1)}" y2="${cy}" stroke="#222" stroke-width="1"/>`)
        for (const v of [b.min, b.max]) parts.push(`<line x1="${x(v).toFixed(1)}" y1="${cy - 4}" x2="${x(v).toFixed(1)}" y2="${cy + 4}" stroke="#222" stroke-width="1"/>`)
      }
      parts.push(`<text x="${(x(Math.max(b.value, b.max ?? 0)) + 4).toFixed(1)}" y="${y + barH - 4}" font-size="11" ${FONT}>${fmtNum(b.value)}</text>`)
      y += barH + gap
    }
    y += groupGap
  }
  const axisY = y - groupGap + 4
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4
    parts.push(`<line x1="${x(v)}" y1="${top}" x2="${x(v)}" y2="${axisY}" stroke="#ddd" stroke-width="1"/>`)
    parts.push(`<text x="${x(v)}" y="${axisY + 14}" font-size="10" text-anchor="middle" ${FONT}>${fmtNum(v)}</text>`)
  }
  const h = axisY + 34
  const w = labelW + plotW + 70
  return svg(w, h, [`<text x="4" y="18" font-size="14" font-weight="bold" ${FONT}>${esc(o.title)}</text>`, ...gridFirst(parts), `<text x="${labelW + plotW / 2}" y="${axisY + 28}" font-size="11" text-anchor="middle" ${FONT}>${esc(o.unit)}</text>`])
}

/** Grid lines behind the bars: move the light lines to the front of the list. */
function gridFirst(parts: string[]): string[] {
  const grid = parts.filter((p) => p.includes('stroke="#ddd"'))
  return [...grid, ...parts.filter((p) => !p.includes('stroke="#ddd"'))]
}

export interface Series {
  label: string
  points: [number, number][]
}

/** Lines over a shared x axis (seconds), with a legend. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[] }): string {
  const left = 60
  const top = 30
  const plotW = 520
  const plotH = 220
  const xMax = niceMax(Math.max(1, ...o.series.flatMap((s) => s.points.map((p) => p[0]))))
  const yMax = niceMax(Math.max(1, ...o.series.flatMap((s) => s.points.map((p) => p[1]))))
  const x = (v: number): number => left + (v / xMax) * plotW
  const y = (v: number): number => top + plotH - (v / yMax) * plotH
  const parts: string[] = [`<text x="4" y="18" font-size="14" font-weight="bold" ${FONT}>${esc(o.title)}</text>`]
  for (let i = 0; i <= 4; i++) {
    const vy = (yMax * i) / 4
    const vx = (xMax * i) / 4
    parts.push(`<line x1="${left}" y1="${y(vy)}" x2="${left + plotW}" y2="${y(vy)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 4}" y="${y(vy) + 4}" font-size="10" text-anchor="end" ${FONT}>${fmtNum(vy)}</text>`)
    parts.push(`<text x="${x(vx)}" y="${top + plotH + 14}" font-size="10" text-anchor="middle" ${FONT}>${fmtNum(vx)}</text>`)
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`)
  for (const [i, s] of o.series.entries()) {
    if (s.points.length === 0) continue
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')
    parts.push(`<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.8"/>`)
    const ly = top + 12 + i * 15
    parts.push(`<line x1="${left + plotW + 10}" y1="${ly - 4}" x2="${left + plotW + 28}" y2="${ly - 4}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="3"/>`)
    parts.push(`<text x="${left + plotW + 32}" y="${ly}" font-size="11" ${FONT}>${esc(s.label)}</text>`)
  }
  parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 30}" font-size="11" text-anchor="middle" ${FONT}>${esc(o.xLabel)}</text>`)
  parts.push(`<text x="14" y="${top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})" ${FONT}>${esc(o.yLabel)}</text>`)
  return svg(left + plotW + 170, top + plotH + 44, parts)
}

/** A grid of cells coloured from light (low) to dark (high) by `values`, labelled with `text`. */
export function heatMap(o: { title: string; rows: string[]; cols: string[]; values: (number | null)[][]; text: string[][]; legend: string; highIsGood: boolean }): string {
  const left = 170
  const top = 52
  const cw = 110
  const ch = 34
  const flat = o.values.flat().filter((v): v is number => v !== null && Number.isFinite(v))
  const lo = Math.min(...flat)
  const hi = Math.max(...flat)
  const colour = (v: number | null): string => {
    if (v === null || !Number.isFinite(v)) return '#eee'
    let t = hi === lo ? 1 : (v - lo) / (hi - lo)
    if (!o.highIsGood) t = 1 - t
    // light red (bad) → dark green (good)
    const r = Math.round(230 - t * 190)
    const g = Math.round(120 + t * 60)
    const b = Math.round(110 - t * 50)
    return `rgb(${r},${g},${b})`
  }
  const parts: string[] = [`<text x="4" y="18" font-size="14" font-weight="bold" ${FONT}>${esc(o.title)}</text>`, `<text x="4" y="36" font-size="11" ${FONT}>${esc(o.legend)}</text>`]
  for (const [j, c] of o.cols.entries()) parts.push(`<text x="${left + j * cw + cw / 2}" y="${top - 6}" font-size="11" text-anchor="middle" ${FONT}>${esc(c)}</text>`)
  for (const [i, r] of o.rows.entries()) {
    parts.push(`<text x="${left - 6}" y="${top + i * ch + ch / 2 + 4}" font-size="11" text-anchor="end" ${FONT}>${esc(r)}</text>`)
    for (let j = 0; j < o.cols.length; j++) {
      parts.push(`<rect x="${left + j * cw}" y="${top + i * ch}" width="${cw - 2}" height="${ch - 2}" fill="${colour(o.values[i]?.[j] ?? null)}"/>`)
      parts.push(`<text x="${left + j * cw + cw / 2}" y="${top + i * ch + ch / 2 + 4}" font-size="11" text-anchor="middle" fill="#fff" ${FONT}>${esc(o.text[i]?.[j] ?? '')}</text>`)
    }
  }
  return svg(left + o.cols.length * cw + 10, top + o.rows.length * ch + 10, parts)
}

function svg(w: number, h: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(w)}" height="${Math.round(h)}" viewBox="0 0 ${Math.round(w)} ${Math.round(h)}">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
}
