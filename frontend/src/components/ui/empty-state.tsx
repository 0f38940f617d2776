import type { LucideIcon } from 'lucide-react'
import type { ReactNode } from 'react'

interface EmptyStateProps {
  icon: LucideIcon
  title: string
  children?: ReactNode
  action?: ReactNode
}

export function EmptyState({ icon: Icon, title, children, action }: EmptyStateProps) {
  return (
    <div className="flex flex-col items-center rounded-lg border border-dashed border-zinc-300 bg-white px-6 py-12 text-center">
      <div className="flex size-10 items-center justify-center rounded-full bg-brand-50 text-brand-600">
        <Icon className="size-5" aria-hidden />
      </div>
      <h2 className="mt-4 text-sm font-semibold text-zinc-900">{title}</h2>
      {children && <div className="mt-1 max-w-sm text-sm text-zinc-600">{children}</div>}
      {action && <div className="mt-5">{action}</div>}
    </div>
  )
}
