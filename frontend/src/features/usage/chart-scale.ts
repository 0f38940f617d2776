/**
 * Axis ticks at round values (1, 2 or 5 × 10ⁿ) from zero to at least max,
 * with the decimals their step needs, so the labels never round two ticks
 * to the same text.
 */
export function niceTicks(max: number, count = 4): { ticks: number[]; decimals: number } {
  if (!(max > 0)) return { ticks: [0, 1], decimals: 0 }
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  for (let v = 0; v < max + step / 2 && ticks.length <= count + 1; v += step) ticks.push(Number(v.toPrecision(12)))
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)))
  return { ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) }
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/** "$0.00002", "$1.50", "$1,200": a cost axis label with the decimals its step needs (cents at least, once there are any). */
export function costLabel(v: number, decimals: number): string {
  if (v === 0) return '$0'
  const d = decimals === 0 ? 0 : Math.min(8, Math.max(2, decimals))
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })}`
}

/** "12K", "1.5M": a token axis label. */
export function tokenLabel(v: number): string {
  return compact.format(v)
}
