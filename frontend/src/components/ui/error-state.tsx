import { AlertTriangle, Lock } from 'lucide-react'
import { isApiProblem, problemMessage } from '@/api/problem'
import { Button } from './button'

/** What a failed read looks like in place of its content. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const forbidden = isApiProblem(error) && error.status === 403
  const Icon = forbidden ? Lock : AlertTriangle
  return (
    <div role="alert" className="flex flex-col items-center rounded-lg border border-zinc-200 bg-white px-6 py-10 text-center">
      <Icon className="size-6 text-zinc-600" aria-hidden />
      <h2 className="mt-3 text-sm font-semibold text-zinc-900">{forbidden ? 'You don’t have access to this' : 'Couldn’t load this'}</h2>
      <p className="mt-1 max-w-sm text-sm text-zinc-600">{problemMessage(error)}</p>
      {onRetry && !forbidden && (
        <Button variant="secondary" size="sm" className="mt-4" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  )
}
