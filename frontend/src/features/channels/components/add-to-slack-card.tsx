import { Hash } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { InlineError } from '@/components/ui/inline-error'
import { UnavailableNote } from '@/components/ui/unavailable-note'
import { useSlackInstall } from '../api/slack-install'

/**
 * "Add to Slack": fetches the authorization URL, then leaves for Slack.
 * Where the platform has no Slack app, says so instead of offering a button
 * that would fail.
 */
export function AddToSlackCard({ tenantId, go, unavailable }: { tenantId: string; go?: (url: string) => void; unavailable?: string | null }) {
  const install = useSlackInstall(tenantId, go)
  return (
    <section aria-labelledby="slack-card-title" className="rounded-lg border border-zinc-200 bg-white">
      <div className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:p-5">
        <div className="flex size-10 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-700">
          <Hash className="size-5" aria-hidden />
        </div>
        <div className="min-w-0 flex-1">
          <h3 id="slack-card-title" className="text-sm font-semibold text-zinc-900">
            Slack
          </h3>
          <p className="text-sm text-zinc-600">Your team mentions the agent in channels or sends it direct messages.</p>
        </div>
        {!unavailable && (
          <Button pending={install.isPending || install.isSuccess} onClick={() => install.mutate()}>
            Add to Slack
          </Button>
        )}
      </div>
      {unavailable && (
        <div className="px-4 pb-4 sm:px-5 sm:pb-5">
          <UnavailableNote reason={unavailable} />
        </div>
      )}
      {install.isError && (
        <div className="px-4 pb-4 sm:px-5 sm:pb-5">
          <InlineError error={install.error} />
        </div>
      )}
    </section>
  )
}
