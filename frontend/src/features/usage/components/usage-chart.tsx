import { useLayoutEffect, useRef, useState } from 'react'
import { formatCost } from '@/lib/format'
import type { Usage } from '../api/get-usage'
import { costLabel, niceTicks, tokenLabel } from '../chart-scale'

const HEIGHT = 260
const PAD = { top: 12, bottom: 28, gap: 8 }
const CHAR = 7 // px per character of a 12 px label, to size the axes to their longest label

/**
 * Cost (bars, left axis) and tokens (line, right axis) for every day of the
 * range, drawn as SVG at the width it is given: axis labels are measured, so
 * a tiny cost such as $0.00006 is shown whole, never clipped. A table with
 * the same figures is one click away for screen readers and exact values.
 */
export function UsageChart({ days }: { days: Usage['by_day'] }) {
  const box = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(0)
  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    setWidth(el.clientWidth)
    const ro = new ResizeObserver(([e]) => setWidth(Math.floor(e?.contentRect.width ?? 0)))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const costs = days.map((d) => d.cost_usd)
  const tokens = days.map((d) => d.input_tokens + d.output_tokens)
  const cost = niceTicks(Math.max(0, ...costs))
  const tok = niceTicks(Math.max(0, ...tokens))
  const costLabels = cost.ticks.map((t) => costLabel(t, cost.decimals))
  const tokLabels = tok.ticks.map(tokenLabel)
  const left = Math.max(...costLabels.map((l) => l.length)) * CHAR + PAD.gap
  const right = Math.max(...tokLabels.map((l) => l.length)) * CHAR + PAD.gap
  const plotW = Math.max(0, width - left - right)
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const band = days.length > 0 ? plotW / days.length : 0
  const yCost = (v: number) => PAD.top + plotH - (v / cost.ticks[cost.ticks.length - 1]!) * plotH
  const yTok = (v: number) => PAD.top + plotH - (v / tok.ticks[tok.ticks.length - 1]!) * plotH
  const xMid = (i: number) => left + band * i + band / 2
  // At most one day label per ~44 px, always the first and last.
  const every = Math.max(1, Math.ceil((days.length * 44) / Math.max(plotW, 1)))
  const peak = days.reduce<(typeof days)[number] | undefined>((p, d) => (!p || d.cost_usd > p.cost_usd ? d : p), undefined)

  return (
    <figure className="min-w-0 rounded-lg border border-zinc-200 bg-white p-4 sm:p-5" aria-labelledby="usage-chart-title">
      <figcaption id="usage-chart-title" className="mb-1 text-sm font-semibold text-zinc-900">
        Cost and tokens by day
      </figcaption>
      <p className="mb-3 flex flex-wrap gap-4 text-xs text-zinc-700" aria-hidden>
        <span className="inline-flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-brand-600" /> Cost (left)
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="h-0.5 w-3 bg-amber-500" /> Tokens (right)
        </span>
      </p>
      <div ref={box} className="w-full" data-testid="usage-chart">
        {width > 0 && (
          <svg
            width={width}
            height={HEIGHT}
            role="img"
            aria-label={`Cost by day from ${days[0]?.day ?? ''} to ${days.at(-1)?.day ?? ''}${peak ? `; highest ${formatCost(peak.cost_usd)} on ${peak.day}` : ''}.`}
            className="block text-[12px]"
          >
            {cost.ticks.map((t, i) => (
              <g key={t}>
                <line x1={left} x2={left + plotW} y1={yCost(t)} y2={yCost(t)} stroke="#e4e4e7" strokeDasharray={i === 0 ? undefined : '3 3'} />
                <text x={left - PAD.gap} y={yCost(t)} dy="0.32em" textAnchor="end" fill="#52525b">
                  {costLabels[i]}
                </text>
              </g>
            ))}
            {tok.ticks.map((t, i) => (
              <text key={t} x={left + plotW + PAD.gap} y={yTok(t)} dy="0.32em" fill="#52525b">
                {tokLabels[i]}
              </text>
            ))}
            {days.map((d, i) => {
              const h = PAD.top + plotH - yCost(d.cost_usd)
              const w = Math.max(1, Math.min(band * 0.7, 32))
              return (
                <g key={d.day} data-day={d.day}>
                  <rect className="usage-bar" x={xMid(i) - w / 2} y={yCost(d.cost_usd)} width={w} height={Math.max(0, h)} rx={2} fill="#4f46e5">
                    <title>{`${d.day}: ${formatCost(d.cost_usd)}, ${(d.input_tokens + d.output_tokens).toLocaleString('en-US')} tokens`}</title>
                  </rect>
                  {(i % every === 0 || i === days.length - 1) && (
                    <text x={xMid(i)} y={HEIGHT - 8} textAnchor="middle" fill="#52525b">
                      {d.day.slice(5)}
                    </text>
                  )}
                </g>
              )
            })}
            {days.length > 1 && (
              <polyline fill="none" stroke="#f59e0b" strokeWidth={2} points={tokens.map((v, i) => `${xMid(i)},${yTok(v)}`).join(' ')} />
            )}
          </svg>
        )}
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-brand-700 underline underline-offset-2">Show the figures as a table</summary>
        <div role="region" aria-label="Cost and tokens by day" tabIndex={0} className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="text-xs text-zinc-600">
                <th scope="col" className="py-1 pr-4 font-medium">
                  Day
                </th>
                <th scope="col" className="py-1 pr-4 text-right font-medium">
                  Cost
                </th>
                <th scope="col" className="py-1 text-right font-medium">
                  Tokens
                </th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.day} className="border-t border-zinc-100">
                  <td className="py-1 pr-4 whitespace-nowrap">{d.day}</td>
                  <td className="py-1 pr-4 text-right tabular-nums">{formatCost(d.cost_usd)}</td>
                  <td className="py-1 text-right tabular-nums">{(d.input_tokens + d.output_tokens).toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}
