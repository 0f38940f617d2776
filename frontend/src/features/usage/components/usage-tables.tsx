import { Table, Td, Th } from '@/components/ui/table'
import { formatCost } from '@/lib/format'
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
            {/* Cost first: on a phone it is what is in view without scrolling. */}
            <Th className="text-right">Cost</Th>
            <Th className="text-right">Calls</Th>
            <Th className="text-right">Input tokens</Th>
            <Th className="text-right">Output tokens</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <Td className="max-w-40 truncate font-medium text-zinc-900 sm:max-w-none">{r.label}</Td>
              <Td className="text-right font-medium tabular-nums text-zinc-900">{formatCost(r.cost_usd)}</Td>
              <Td className="text-right tabular-nums">{num.format(r.calls)}</Td>
              <Td className="text-right tabular-nums">{num.format(r.input_tokens)}</Td>
              <Td className="text-right tabular-nums">{num.format(r.output_tokens)}</Td>
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
