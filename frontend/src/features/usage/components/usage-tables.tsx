import { Table, Td, Th } from '@/components/ui/table'
import { formatUSD } from '@/lib/format'
import type { Usage } from '../api/get-usage'

const num = new Intl.NumberFormat('en-US')

interface Row {
  key: string
  label: string
  input_tokens: number
  output_tokens: number
  calls: number
  cost_usd: number
}

function FiguresTable({ caption, first, rows }: { caption: string; first: string; rows: Row[] }) {
  return (
    <section className="min-w-0 space-y-2">
      <h2 className="text-sm font-semibold text-zinc-900">{caption}</h2>
      <Table aria-label={caption}>
        <thead>
          <tr>
            <Th>{first}</Th>
            <Th className="text-right">Calls</Th>
            <Th className="text-right">Input tokens</Th>
            <Th className="text-right">Output tokens</Th>
            <Th className="text-right">Cost</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <Td className="font-medium whitespace-nowrap text-zinc-900">{r.label}</Td>
              <Td className="text-right tabular-nums">{num.format(r.calls)}</Td>
              <Td className="text-right tabular-nums">{num.format(r.input_tokens)}</Td>
              <Td className="text-right tabular-nums">{num.format(r.output_tokens)}</Td>
              <Td className="text-right tabular-nums">{formatUSD(r.cost_usd)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </section>
  )
}

export function UsageTables({ usage }: { usage: Usage }) {
  return (
    <div className="space-y-6">
      <FiguresTable
        caption="By agent"
        first="Agent"
        rows={usage.by_agent.map((a) => ({ ...a, key: a.agent_id ?? 'deleted', label: a.agent_name }))}
      />
      <FiguresTable caption="By model" first="Model" rows={usage.by_model.map((m) => ({ ...m, key: m.model, label: m.model }))} />
    </div>
  )
}
