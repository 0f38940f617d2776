import { useRouter, useRouterState } from '@tanstack/react-router'
import { AlertTriangle, ArrowRight, CheckCircle2, CircleDashed } from 'lucide-react'
import { cn } from '@/lib/cn'
import type { ReadinessCheck } from '../api/get-readiness'

const checkTitle: Record<ReadinessCheck['name'], string> = {
  channel_connected: 'Channel connected',
  channel_receives: 'Messages can arrive',
  agent_active: 'Agent switched on',
  model_callable: 'A model it can call',
  billing: 'Billing lets it answer',
  test_sent: 'Test message sent',
  round_trip: 'A reply came back',
}

/**
 * The server's checks for one agent, in setup order: what passes, what does
 * not, and for each failure the one action that fixes it.
 */
export function ReadinessChecklist({
  checks,
  canAct = true,
  label = 'What it takes to be live',
}: {
  checks: ReadinessCheck[]
  canAct?: boolean
  label?: string
}) {
  // A fix that is the page the operator is on is no link at all.
  const here = useRouterState({ select: (st) => st.location.href })
  return (
    <ul aria-label={label} className="space-y-2">
      {checks.map((c) => (
        <li key={c.name} data-check={c.name} data-status={c.status} className="flex items-start gap-2.5 text-sm">
          <CheckIcon status={c.status} />
          <div className="min-w-0 flex-1">
            <p className={cn('font-medium', c.status === 'pass' ? 'text-zinc-900' : c.status === 'warn' ? 'text-amber-900' : 'text-zinc-900')}>
              {checkTitle[c.name]}
              <span className="sr-only">{c.status === 'pass' ? ': done' : c.status === 'warn' ? ': works, with a warning' : ': not yet'}</span>
            </p>
            <p className="text-zinc-600">{c.message}</p>
            {c.status !== 'pass' && c.action && canAct && c.action.path !== here && <ActionLink action={c.action} />}
          </div>
        </li>
      ))}
    </ul>
  )
}

function CheckIcon({ status }: { status: ReadinessCheck['status'] }) {
  if (status === 'pass') return <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
  if (status === 'warn') return <AlertTriangle className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden />
  return <CircleDashed className="mt-0.5 size-4 shrink-0 text-zinc-600" aria-hidden />
}

/**
 * A check's fix: a link to the portal page where it is done. The server
 * names the page (with its query), so this navigates by href inside the app
 * and leaves modified clicks (new tab) to the browser.
 */
export function ActionLink({ action, className }: { action: NonNullable<ReadinessCheck['action']>; className?: string }) {
  const router = useRouter()
  return (
    <a
      href={action.path}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.button !== 0) return
        e.preventDefault()
        void router.navigate({ href: action.path })
      }}
      className={cn(
        'mt-1 inline-flex items-center gap-1 text-sm font-medium text-brand-700 underline underline-offset-2 hover:text-brand-800',
        className,
      )}
    >
      {action.label} <ArrowRight className="size-3.5" aria-hidden />
    </a>
  )
}
