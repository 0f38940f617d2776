import { useSuspenseInfiniteQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { AlertTriangle, CheckCircle2, Plug, Stethoscope, XCircle } from 'lucide-react'
import { useState } from 'react'
import { toast } from '@/lib/toast'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { ConfirmDialog } from '@/components/ui/confirm-dialog'
import { EmptyState } from '@/components/ui/empty-state'
import { LoadMore } from '@/components/ui/load-more'
import { InlineError } from '@/components/ui/inline-error'
import { Select } from '@/components/ui/select'
import { formatDateTime, formatRelative } from '@/lib/format'
import type { components } from '@/api/schema.gen'
import { useCheckConnection } from '../api/check-connection'
import { useDisconnectConnection } from '../api/disconnect-connection'
import { connectionsQueryOptions, type Connection } from '../api/get-connections'
import { useUpdateConnection } from '../api/update-connection'
import { connectionTitle } from './channel-labels'

type CheckResult = components['schemas']['CheckResult']

export interface AgentOption {
  id: string
  name: string
  is_active: boolean
}

const statusBadge = {
  active: <Badge tone="success">Active</Badge>,
  revoked: <Badge tone="danger">Revoked</Badge>,
  disconnected: <Badge>Disconnected</Badge>,
} as const

const FIRST_ACTIVE = 'first-active'

/** The tenant's connections with their health, agent, test and the actions on them. */
export function ConnectionsList({
  tenantId,
  agents,
  canManage,
  cannotReceive = {},
}: {
  tenantId: string
  agents: readonly AgentOption[]
  canManage: boolean
  /** Per connection id, why this installation cannot receive its messages (null: it can). */
  cannotReceive?: Readonly<Record<string, string | null>>
}) {
  const query = useSuspenseInfiniteQuery(connectionsQueryOptions(tenantId))
  const [disconnecting, setDisconnecting] = useState<Connection | null>(null)
  const disconnect = useDisconnectConnection(tenantId, {
    onSuccess: () => {
      toast.success(`${disconnecting ? connectionTitle(disconnecting) : 'The connection'} was disconnected`)
      setDisconnecting(null)
    },
  })
  const { connections } = query.data
  if (connections.length === 0) {
    return (
      <EmptyState
        icon={Plug}
        title="No channel connected"
        action={
          canManage && (
            <Link to="/onboarding" search={{ step: 1 }} className={buttonClass('primary')}>
              Connect Slack or WhatsApp
            </Link>
          )
        }
      >
        Your agent answers nowhere until Slack or WhatsApp is connected.
      </EmptyState>
    )
  }
  return (
    <>
      <ul aria-label="Connections" className="space-y-4">
        {connections.map((c) => (
          <ConnectionCard
            key={c.id}
            tenantId={tenantId}
            connection={c}
            agents={agents}
            canManage={canManage}
            cannotReceive={cannotReceive[c.id] ?? null}
            onDisconnect={() => setDisconnecting(c)}
          />
        ))}
      </ul>
      <LoadMore hasNextPage={query.hasNextPage} isFetchingNextPage={query.isFetchingNextPage} fetchNextPage={query.fetchNextPage} />
      <ConfirmDialog
        open={disconnecting !== null}
        onOpenChange={(open) => !open && setDisconnecting(null)}
        title={`Disconnect ${disconnecting ? connectionTitle(disconnecting) : ''}?`}
        description="Its credential is erased and messages there stop being answered. Conversations stay readable, and you can connect it again."
        confirmLabel="Disconnect"
        pending={disconnect.isPending}
        error={disconnect.error}
        onConfirm={() => disconnecting && disconnect.mutate(disconnecting.id)}
      />
    </>
  )
}

function When({ iso, empty = 'Never' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <>{empty}</>
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  )
}

function ConnectionCard({
  tenantId,
  connection: c,
  agents,
  canManage,
  cannotReceive,
  onDisconnect,
}: {
  tenantId: string
  connection: Connection
  agents: readonly AgentOption[]
  canManage: boolean
  cannotReceive: string | null
  onDisconnect: () => void
}) {
  const update = useUpdateConnection(tenantId, { onSuccess: () => toast.success('Agent assigned') })
  const check = useCheckConnection(tenantId)
  const live = c.status !== 'disconnected'
  const agentOptions = [
    { value: FIRST_ACTIVE, label: 'First active agent' },
    ...agents.map((a) => ({ value: a.id, label: a.is_active ? a.name : `${a.name} (inactive)` })),
  ]
  return (
    <li className="rounded-lg border border-zinc-200 bg-white" aria-label={connectionTitle(c)}>
      <div className="flex flex-col gap-3 border-b border-zinc-100 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
        <div className="min-w-0 flex-1">
          <h2 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-zinc-900">
            {connectionTitle(c)} {statusBadge[c.status]}
          </h2>
          {c.status_reason && <p className="text-sm text-red-700">{c.status_reason}</p>}
          {live && cannotReceive && <p className="mt-1 text-sm text-amber-900">{cannotReceive}</p>}
        </div>
        {canManage && live && (
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" size="sm" pending={check.isPending} onClick={() => check.mutate(c.id)}>
              {!check.isPending && <Stethoscope className="size-4" aria-hidden />} Check now<span className="sr-only"> {connectionTitle(c)}</span>
            </Button>
            <Button variant="secondary" size="sm" onClick={onDisconnect}>
              Disconnect<span className="sr-only"> {connectionTitle(c)}</span>
            </Button>
          </div>
        )}
      </div>
      <div className="grid gap-4 px-4 py-4 sm:grid-cols-2 sm:px-5 lg:grid-cols-4">
        <div className="min-w-0">
          {canManage && live ? (
            <label className="block text-xs font-medium tracking-wide text-zinc-600 uppercase">
              Answering agent
              <Select
                aria-label={`Answering agent for ${connectionTitle(c)}`}
                className="mt-1 normal-case"
                value={c.agent_id ?? FIRST_ACTIVE}
                options={agentOptions}
                disabled={update.isPending}
                onValueChange={(v) => update.mutate({ connectionId: c.id, agentId: v === FIRST_ACTIVE ? null : v })}
              />
            </label>
          ) : (
            <Fact label="Answering agent">{agents.find((a) => a.id === c.agent_id)?.name ?? 'First active agent'}</Fact>
          )}
        </div>
        <Fact label="Connected">
          <When iso={c.connected_at} />
        </Fact>
        <Fact label="Last event">
          <When iso={c.last_event_at} empty="None yet" />
        </Fact>
        <Fact label="Last test">
          {c.last_test ? (
            <span className={c.last_test.ok ? 'text-emerald-700' : 'text-red-700'}>
              {c.last_test.ok ? 'Passed' : 'Failed'} · <When iso={c.last_test.at} />
              {!c.last_test.ok && <span className="block text-xs">{c.last_test.message}</span>}
            </span>
          ) : (
            'Never'
          )}
        </Fact>
      </div>
      {(check.error || update.error) && (
        <div className="px-4 pb-4 sm:px-5">
          <InlineError error={check.error ?? update.error} />
        </div>
      )}
      <Health check={c.last_check} testedOK={c.last_test?.ok === true} />
    </li>
  )
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <p className="text-xs font-medium tracking-wide text-zinc-600 uppercase">{label}</p>
      <p className="mt-1 text-sm text-zinc-800">{children}</p>
    </div>
  )
}

const resultIcon = { pass: CheckCircle2, warn: AlertTriangle, fail: XCircle } as const
const resultTone = { pass: 'text-emerald-700', warn: 'text-amber-700', fail: 'text-red-700' } as const

function checkName(name: string): string {
  const s = name.replaceAll('_', ' ')
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** The last diagnosis: each check with its fix-it hint. */
function Health({ check, testedOK }: { check: Connection['last_check']; testedOK: boolean }) {
  if (!check) {
    // The test proves sending; the diagnosis is about receiving, so say
    // which is which instead of "not checked" next to "passed".
    return (
      <p className="border-t border-zinc-100 px-4 py-3 text-sm text-zinc-600 sm:px-5">
        {testedOK ? 'Sending works (the last test passed). ' : ''}
        “Check now” diagnoses the rest: the token, its permissions and whether messages reach Konstruct.
      </p>
    )
  }
  const worst = check.results.some((r) => r.status === 'fail') ? 'fail' : check.results.some((r) => r.status === 'warn') ? 'warn' : 'pass'
  return (
    <div className="border-t border-zinc-100 px-4 py-3 sm:px-5">
      <p className="text-sm text-zinc-700">
        <span className="font-medium">Health: {worst === 'pass' ? 'all checks pass' : worst === 'warn' ? 'needs a look' : 'failing'}</span>{' '}
        <span className="text-zinc-600">
          · checked <When iso={check.checked_at} />
        </span>
      </p>
      <ul aria-label="Health checks" className="mt-2 space-y-1.5">
        {check.results.map((r: CheckResult) => {
          const Icon = resultIcon[r.status]
          return (
            <li key={r.name} className="flex items-start gap-2 text-sm">
              <Icon className={`mt-0.5 size-4 shrink-0 ${resultTone[r.status]}`} aria-label={r.status} />
              <span className="min-w-0">
                <span className="font-medium text-zinc-800">{checkName(r.name)}</span>: <span className="text-zinc-600">{r.detail}</span>
                {r.hint && r.status !== 'pass' && <span className="block text-xs text-zinc-600">Fix: {r.hint}</span>}
              </span>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
