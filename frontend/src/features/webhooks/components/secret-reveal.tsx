import { KeyRound } from 'lucide-react'
import type { ReactNode } from 'react'
import { CopyButton } from '@/components/ui/copy-button'

/** A signing secret, shown once. */
export function SecretReveal({ secret, children }: { secret: string; children?: ReactNode }) {
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        <KeyRound className="size-4 shrink-0" aria-hidden /> You won’t be able to see it again.
      </div>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <code
          data-testid="webhook-secret"
          aria-label="Signing secret"
          className="block min-w-0 flex-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-sm break-all text-zinc-900 select-all"
        >
          {secret}
        </code>
        <CopyButton value={secret} />
      </div>
      <p className="text-xs text-zinc-600">
        Verify each request’s <code>webhook-signature</code> with a{' '}
        <a className="font-medium text-brand-700 hover:underline" href="https://www.standardwebhooks.com" target="_blank" rel="noopener noreferrer">
          Standard Webhooks
        </a>{' '}
        library and this secret. {children}
      </p>
    </div>
  )
}
