import type { LucideIcon } from 'lucide-react'
import type { ReactNode } from 'react'
import { Skeleton } from '@/components/ui/skeleton'

interface StatCardProps {
  icon: LucideIcon
  label: string
  /** Undefined while loading. */
  value: ReactNode | undefined
  detail?: ReactNode
}

export function StatCard({ icon: Icon, label, value, detail }: StatCardProps) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
      <div className="flex items-center gap-2 text-sm text-zinc-600">
        <Icon className="size-4 text-zinc-400" aria-hidden /> {label}
      </div>
      <div className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900">
        {value === undefined ? <Skeleton className="h-8 w-16" /> : value}
      </div>
      {detail && <div className="mt-1 text-sm text-zinc-500">{detail}</div>}
    </div>
  )
}
