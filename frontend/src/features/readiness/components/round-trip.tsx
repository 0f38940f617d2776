import { CheckCircle2, CircleDashed, Loader2, XCircle } from 'lucide-react'
import type { ReactNode } from 'react'
import { formatRelative } from '@/lib/format'
import type { ConnectionReadiness } from '../api/get-readiness'

type Step = 'done' | 'working' | 'failed' | 'todo'

/**
 * The whole loop of one connection after its test message: the message went
 * out, the operator's own answer arrived, and the agent's reply (written by
 * a model) was delivered, each shown as it happens.
 */
export function RoundTrip({ connection: c }: { connection: ConnectionReadiness }) {
  const trip = c.round_trip
  const app = c.type === 'slack' ? 'Slack' : 'WhatsApp'
  const sent: Step = c.test.status === 'sent' ? 'done' : c.test.status === 'failed' ? 'failed' : 'todo'
  const inbound: Step = trip.inbound ? 'done' : sent === 'done' ? 'working' : 'todo'
  const reply: Step = trip.status === 'answered' ? 'done' : trip.status === 'failed' ? 'failed' : trip.status === 'received' ? 'working' : 'todo'

  return (
    <ol aria-label={`Round trip on ${app}`} className="space-y-3">
      <TripStep state={sent} title="Test message sent">
        {c.test.status === 'sent' && c.test.at && <>Sent {formatRelative(c.test.at)}. </>}
        {c.test.status === 'failed' && c.test.message}
        {c.test.status === 'not_sent' && 'Send it below.'}
      </TripStep>
      <TripStep state={inbound} title={trip.inbound ? `${trip.inbound.from} wrote` : 'Your reply'}>
        {trip.inbound ? (
          <Quote>{trip.inbound.body || '(a message without text)'}</Quote>
        ) : sent === 'done' ? (
          c.type === 'slack' ? (
            'Answer Konstruct’s direct message in your Slack with anything, for example “Hi, who are you?”.'
          ) : (
            'Answer the test message from the phone it went to, for example “Hi, who are you?”. WhatsApp lets the agent write only after you do.'
          )
        ) : (
          `Once the test arrives, answer it from your own ${app}.`
        )}
      </TripStep>
      <TripStep state={reply} title="The agent’s answer">
        {trip.status === 'answered' && trip.reply && (
          <>
            <Quote>{trip.reply.body}</Quote>
            {trip.reply.model && (
              <span className="mt-1 block text-xs text-zinc-600">
                Written by {trip.reply.model}, delivered {formatRelative(trip.reply.at)}.
              </span>
            )}
          </>
        )}
        {trip.status === 'failed' && <span className="text-red-800">{trip.reply?.error ?? 'The agent could not answer.'}</span>}
        {trip.status === 'received' && 'The agent is writing its answer…'}
        {(trip.status === 'waiting' || trip.status === 'not_started') && 'It appears here when it is delivered.'}
      </TripStep>
    </ol>
  )
}

function TripStep({ state, title, children }: { state: Step; title: string; children: ReactNode }) {
  const icon = {
    done: <CheckCircle2 className="size-4 text-emerald-600" aria-hidden />,
    working: <Loader2 className="size-4 animate-spin text-brand-600" aria-hidden />,
    failed: <XCircle className="size-4 text-red-600" aria-hidden />,
    todo: <CircleDashed className="size-4 text-zinc-600" aria-hidden />,
  }[state]
  const said = { done: 'done', working: 'in progress', failed: 'failed', todo: 'not yet' }[state]
  return (
    <li data-state={state} className="flex items-start gap-2.5 text-sm">
      <span className="mt-0.5 shrink-0">{icon}</span>
      <div className="min-w-0 flex-1">
        <p className="font-medium text-zinc-900">
          {title}
          <span className="sr-only"> ({said})</span>
        </p>
        <div className="text-zinc-600">{children}</div>
      </div>
    </li>
  )
}

function Quote({ children }: { children: ReactNode }) {
  return (
    <blockquote className="mt-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 break-words whitespace-pre-wrap text-zinc-900">
      {children}
    </blockquote>
  )
}
