import { cn } from '@/lib/cn'

export function Logo({ className }: { className?: string }) {
  return (
    <div className={cn('flex items-center gap-2', className)}>
      <svg viewBox="0 0 24 24" className="size-7" aria-hidden>
        <rect width="24" height="24" rx="6" className="fill-brand-600" />
        <path d="M8 6v12M8 12l7-6M8 12l7 6" stroke="white" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" fill="none" />
      </svg>
      <span className="text-base font-semibold tracking-tight text-zinc-900">Konstruct</span>
    </div>
  )
}
