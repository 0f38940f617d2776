import { AlertTriangle } from 'lucide-react'
import { problemMessage } from '@/api/problem'
import { cn } from '@/lib/cn'

/**
 * A failed action's reason, right next to the control that started it; it
 * stays until the next attempt (unlike a toast, which vanishes).
 */
export function InlineError({ error, className }: { error: unknown; className?: string }) {
  if (!error) return null
  return (
    <p role="alert" className={cn('flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800', className)}>
      <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
      <span>{typeof error === 'string' ? error : problemMessage(error)}</span>
    </p>
  )
}
