import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { formatUSD } from '@/lib/format'
import type { Usage } from '../api/get-usage'

const compact = new Intl.NumberFormat('en-US', { notation: 'compact' })

/** Cost (bars, left axis) and tokens (line, right axis) for every day of the range. */
// Default export: loaded with React.lazy so recharts (≈110 KB gzip) is a chunk of
// its own that only the usage page fetches, after its first paint.
export default function UsageChart({ days }: { days: Usage['by_day'] }) {
  const data = days.map((d) => ({ day: d.day.slice(5), cost: d.cost_usd, tokens: d.input_tokens + d.output_tokens }))
  return (
    <figure className="min-w-0 rounded-lg border border-zinc-200 bg-white p-4 sm:p-5" aria-labelledby="usage-chart-title">
      <figcaption id="usage-chart-title" className="mb-3 text-sm font-semibold text-zinc-900">
        Cost and tokens by day
      </figcaption>
      <div className="h-72 w-full" data-testid="usage-chart">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" vertical={false} />
            <XAxis dataKey="day" tick={{ fontSize: 12 }} minTickGap={12} />
            <YAxis yAxisId="cost" tick={{ fontSize: 12 }} width={56} tickFormatter={(v: number) => `$${compact.format(v)}`} />
            <YAxis yAxisId="tokens" orientation="right" tick={{ fontSize: 12 }} width={48} tickFormatter={(v: number) => compact.format(v)} />
            <Tooltip
              formatter={(value, name) => (name === 'Cost' ? formatUSD(Number(value)) : Number(value).toLocaleString('en-US'))}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar yAxisId="cost" dataKey="cost" name="Cost" fill="#4f46e5" radius={[3, 3, 0, 0]} isAnimationActive={false} />
            <Line yAxisId="tokens" dataKey="tokens" name="Tokens" stroke="#f59e0b" strokeWidth={2} dot={false} type="linear" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
