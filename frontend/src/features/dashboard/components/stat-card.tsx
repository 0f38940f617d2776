import type { LucideIcon } from 'lucide-react'
import type { ReactNode } from 'react'

interface StatCardProps {
  icon: LucideIcon
  label: string
  value: ReactNode
  detail?: ReactNode
}

export function StatCard({ icon: Icon, label, value, detail }: StatCardProps) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
      <div className="flex items-center gap-2 text-sm text-zinc-600">
        <Icon className="size-4 text-zinc-600" aria-hidden /> {label}
      </div>
      <div className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900">
        {value}
      </div>
      {detail && <div className="mt-1 text-sm text-zinc-600">{detail}</div>}
    </div>
  )
}
