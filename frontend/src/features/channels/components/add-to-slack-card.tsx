import { Hash } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { useSlackInstall } from '../api/slack-install'

/** "Add to Slack": fetches the authorization URL, then leaves for Slack. */
export function AddToSlackCard({ tenantId, go }: { tenantId: string; go?: (url: string) => void }) {
  const install = useSlackInstall(tenantId, go)
  return (
    <section aria-labelledby="slack-card-title" className="rounded-lg border border-zinc-200 bg-white">
      <div className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:p-5">
        <div className="flex size-10 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-600">
          <Hash className="size-5" aria-hidden />
        </div>
        <div className="min-w-0 flex-1">
          <h3 id="slack-card-title" className="text-sm font-semibold text-zinc-900">
            Slack
          </h3>
          <p className="text-sm text-zinc-600">Your team mentions the agent in channels or sends it direct messages.</p>
        </div>
        <Button pending={install.isPending || install.isSuccess} onClick={() => install.mutate()}>
          Add to Slack
        </Button>
      </div>
    </section>
  )
}
