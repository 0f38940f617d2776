import { Link } from '@tanstack/react-router'
import { CircleDashed, Radio } from 'lucide-react'
import { buttonClass } from '@/components/ui/button'
import type { Readiness } from '../api/get-readiness'
import { ActionLink } from './readiness-checklist'

/**
 * The dashboard's answer to "is my AI employee answering?": live (and who,
 * where), or the one next thing to do, exactly as the server computed it.
 */
export function LiveStatus({ readiness: r, canAct }: { readiness: Readiness; canAct: boolean }) {
  if (r.live) {
    const live = r.agents.filter((a) => a.live)
    const channels = r.connections.filter((c) => c.status === 'active' && c.round_trip.proven && live.some((a) => a.agent_id === c.agent_id))
    return (
      <section
        aria-label="Live status"
        className="flex flex-col gap-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 sm:flex-row sm:items-center sm:p-5"
      >
        <Radio className="size-6 shrink-0 text-emerald-700" aria-hidden />
        <div className="min-w-0 flex-1">
          <p className="text-sm font-semibold text-emerald-900">Your AI employee is live</p>
          <p className="text-sm text-emerald-900">
            {live.map((a) => a.name).join(', ')} answers on{' '}
            {channels.map((c) => `${c.type === 'slack' ? 'Slack' : 'WhatsApp'} ${c.display_name}`).join(', ') || 'your channels'}.
          </p>
        </div>
        <Link to="/conversations" className={buttonClass('secondary')}>
          See conversations
        </Link>
      </section>
    )
  }
  const next = r.next
  return (
    <section
      aria-label="Live status"
      className="flex flex-col gap-3 rounded-lg border border-amber-200 bg-amber-50 p-4 sm:flex-row sm:items-start sm:p-5"
    >
      <CircleDashed className="size-6 shrink-0 text-amber-700" aria-hidden />
      <div className="min-w-0 flex-1">
        <p className="text-sm font-semibold text-amber-950">Not live yet: customers’ messages are not answered</p>
        {next && <p className="text-sm text-amber-950">{next.message}</p>}
        {next?.action && canAct && <ActionLink action={next.action} className="text-amber-950 hover:text-amber-900" />}
        {!canAct && <p className="mt-1 text-sm text-amber-950">An owner or admin of this workspace can finish the setup.</p>}
      </div>
      {canAct && (
        <Link to="/onboarding" search={{ step: 3 }} className={buttonClass('secondary')}>
          Open the setup
        </Link>
      )}
    </section>
  )
}
