import { Link } from '@tanstack/react-router'
import { AlertTriangle, ArrowRight, CheckCircle2, Info, Sparkles } from 'lucide-react'
import { cn } from '@/lib/cn'
import type { AttentionItem } from '../attention'

const icons = { action: Sparkles, warning: AlertTriangle, info: Info } as const
const iconTone = { action: 'bg-brand-50 text-brand-600', warning: 'bg-amber-50 text-amber-600', info: 'bg-zinc-100 text-zinc-600' } as const

export function AttentionList({ items }: { items: readonly AttentionItem[] }) {
  return (
    <section aria-labelledby="attention-title" className="rounded-lg border border-zinc-200 bg-white">
      <h2 id="attention-title" className="border-b border-zinc-100 px-4 py-3 text-sm font-semibold text-zinc-900 sm:px-5">
        Needs your attention
      </h2>
      {items.length === 0 ? (
        <p className="flex items-center gap-2 px-4 py-5 text-sm text-zinc-600 sm:px-5">
          <CheckCircle2 className="size-5 text-emerald-600" aria-hidden /> Nothing right now. Your workspace is in good shape.
        </p>
      ) : (
        <ul className="divide-y divide-zinc-100">
          {items.map((item) => {
            const Icon = icons[item.tone]
            return (
              <li key={item.id} className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5" data-attention={item.id}>
                <div className="flex min-w-0 flex-1 items-start gap-3">
                  <div className={cn('flex size-8 shrink-0 items-center justify-center rounded-full', iconTone[item.tone])} aria-hidden>
                    <Icon className="size-4" />
                  </div>
                  <div className="min-w-0">
                    <p className="text-sm font-medium text-zinc-900">{item.title}</p>
                    <p className="text-sm text-zinc-600">{item.description}</p>
                  </div>
                </div>
                {item.link && (
                  <Link
                    to={item.link.to}
                    search={item.link.search ?? {}}
                    className="inline-flex shrink-0 items-center gap-1 self-start text-sm font-medium text-brand-700 hover:underline sm:self-center"
                  >
                    {item.link.label} <ArrowRight className="size-4" aria-hidden />
                  </Link>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
