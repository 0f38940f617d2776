import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { createLazyRoute, Link, useNavigate } from '@tanstack/react-router'
import { AlertTriangle, ArrowLeft, ArrowRight, CheckCircle2, Lock, PartyPopper, Plus } from 'lucide-react'
import { useEffect, useRef, useState } from 'react'
import { toast } from 'sonner'
import { queryKeys } from '@/api/query-keys'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/empty-state'
import { ErrorState } from '@/components/ui/error-state'
import { PageHeader } from '@/components/ui/page-header'
import { ListSkeleton } from '@/components/ui/skeleton'
import { agentsQueryOptions, type Agent } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions, type Connection } from '@/features/channels/api/get-connections'
import { AddToSlackCard } from '@/features/channels/components/add-to-slack-card'
import { connectionTitle } from '@/features/channels/components/channel-labels'
import { TestMessage } from '@/features/channels/components/test-message'
import { WhatsAppConnectCard } from '@/features/channels/components/whatsapp-connect-card'
import { Stepper } from '@/features/onboarding/components/stepper'
import { maxStep, resolveStep, slackReturnError, type Progress, type Step } from '@/features/onboarding/onboarding-search'
import { hasRole } from '@/lib/roles'

export const Route = createLazyRoute('/_app/onboarding')({ component: OnboardingPage })

function OnboardingPage() {
  const { membership, tenantId } = Route.useRouteContext()
  const search = Route.useSearch()
  const navigate = useNavigate({ from: '/onboarding' })
  const queryClient = useQueryClient()
  const connections = useInfiniteQuery(connectionsQueryOptions(tenantId))
  const agents = useInfiniteQuery(agentsQueryOptions(tenantId))
  const [slackError, setSlackError] = useState<string | null>(null)

  // What Slack's callback appended is read once, then taken out of the URL
  // so a refresh or a shared link does not repeat it.
  const handled = useRef(false)
  useEffect(() => {
    if (handled.current || (!search.connected && !search.error)) return
    handled.current = true
    if (search.connected) {
      toast.success(search.channel === 'whatsapp' ? 'WhatsApp is connected' : 'Slack is connected')
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections(tenantId) })
    } else if (search.error) {
      const message = slackReturnError(search.error)
      setSlackError(message)
      toast.error(message)
    }
    void navigate({ search: (prev) => ({ ...prev, connected: undefined, channel: undefined, error: undefined }), replace: true })
  }, [search, navigate, queryClient, tenantId])

  const loaded = connections.isSuccess && agents.isSuccess
  const active = connections.data?.connections.filter((c) => c.status === 'active') ?? []
  const activeAgents = agents.data?.agents.filter((a) => a.is_active) ?? []
  const progress: Progress = {
    channel: active.length > 0,
    agent: activeAgents.length > 0,
    tested: active.some((c) => c.last_test?.ok),
  }
  const step = resolveStep(search.step, progress)

  // A step whose earlier steps are not done is never shown: the URL follows.
  useEffect(() => {
    if (loaded && step !== search.step) void navigate({ search: (prev) => ({ ...prev, step }), replace: true })
  }, [loaded, step, search.step, navigate])

  const goTo = (next: Step) => void navigate({ search: (prev) => ({ ...prev, step: next }) })

  const header = <PageHeader title="Get started" description="Three steps to put your AI employee to work." />
  if (!hasRole(membership.role, 'admin')) {
    return (
      <>
        {header}
        <EmptyState icon={Lock} title="Owners and admins set up channels">
          Ask an admin of {membership.tenant_name} to connect Slack or WhatsApp.
        </EmptyState>
      </>
    )
  }
  if (connections.isError || agents.isError) {
    return (
      <>
        {header}
        <ErrorState error={connections.error ?? agents.error} onRetry={() => void Promise.all([connections.refetch(), agents.refetch()])} />
      </>
    )
  }
  if (!loaded) {
    return (
      <>
        {header}
        <ListSkeleton rows={3} label="Loading your setup" />
      </>
    )
  }
  return (
    <>
      {header}
      <Stepper current={step} progress={progress} reachable={maxStep(progress)} />
      {step === 1 && (
        <ChannelStep tenantId={tenantId} active={active} slackError={slackError} canContinue={progress.channel} onNext={() => goTo(2)} />
      )}
      {step === 2 && <AgentStep agents={agents.data.agents} active={activeAgents} onBack={() => goTo(1)} onNext={() => goTo(3)} />}
      {step === 3 && <TestStep tenantId={tenantId} active={active} live={progress.tested} onBack={() => goTo(2)} />}
    </>
  )
}

function StepNav({ onBack, onNext, nextDisabled, nextHint }: { onBack?: () => void; onNext?: () => void; nextDisabled?: boolean; nextHint?: string }) {
  return (
    <div className="mt-6 flex flex-col-reverse gap-2 border-t border-zinc-200 pt-5 sm:flex-row sm:items-center sm:justify-between">
      {onBack ? (
        <Button variant="secondary" onClick={onBack}>
          <ArrowLeft className="size-4" aria-hidden /> Back
        </Button>
      ) : (
        <span />
      )}
      {onNext && (
        <div className="flex flex-col items-stretch gap-1 sm:items-end">
          <Button onClick={onNext} disabled={nextDisabled} aria-describedby={nextDisabled && nextHint ? 'next-hint' : undefined}>
            Next <ArrowRight className="size-4" aria-hidden />
          </Button>
          {nextDisabled && nextHint && (
            <p id="next-hint" className="text-xs text-zinc-500">
              {nextHint}
            </p>
          )}
        </div>
      )}
    </div>
  )
}

function ChannelStep({
  tenantId,
  active,
  slackError,
  canContinue,
  onNext,
}: {
  tenantId: string
  active: Connection[]
  slackError: string | null
  canContinue: boolean
  onNext: () => void
}) {
  return (
    <div className="space-y-4">
      <h2 className="text-base font-semibold text-zinc-900">Connect a channel</h2>
      {slackError && (
        <div role="alert" className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          {slackError}
        </div>
      )}
      {active.length > 0 && (
        <ul aria-label="Connected channels" className="space-y-2">
          {active.map((c) => (
            <li key={c.id} className="flex items-center gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
              <CheckCircle2 className="size-4 shrink-0" aria-hidden /> <span className="min-w-0 flex-1 truncate">{connectionTitle(c)}</span>
              <Badge tone="success">Connected</Badge>
            </li>
          ))}
        </ul>
      )}
      <AddToSlackCard tenantId={tenantId} />
      <WhatsAppConnectCard tenantId={tenantId} onConnected={onNext} />
      <StepNav onNext={onNext} nextDisabled={!canContinue} nextHint="Connect Slack or WhatsApp first." />
    </div>
  )
}

function AgentStep({ agents, active, onBack, onNext }: { agents: Agent[]; active: Agent[]; onBack: () => void; onNext: () => void }) {
  const agent = active[0]
  return (
    <div className="space-y-4">
      <h2 className="text-base font-semibold text-zinc-900">Configure your agent</h2>
      {agent ? (
        <section aria-label="Active agent" className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
          <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-2 text-sm font-semibold text-zinc-900">
                {agent.name} <Badge tone="success">Active</Badge>
              </p>
              {agent.role_title && <p className="text-sm text-zinc-600">{agent.role_title}</p>}
              <p className="mt-2 font-mono text-xs text-zinc-500">{agent.model}</p>
              {agent.persona && <p className="mt-2 line-clamp-2 text-sm text-zinc-600">{agent.persona}</p>}
            </div>
            <Link to="/agents/$agentId" params={{ agentId: agent.id }} className={buttonClass('secondary')}>
              Edit<span className="sr-only"> {agent.name}</span>
            </Link>
          </div>
          {active.length > 1 && <p className="mt-3 text-xs text-zinc-500">{active.length - 1} more active agent(s). A connection uses the one assigned to it in Settings → Channels.</p>}
        </section>
      ) : (
        <EmptyState icon={Plus} title={agents.length === 0 ? 'No agent yet' : 'No active agent'}>
          {agents.length === 0
            ? 'Design your AI employee in the Agent Designer; you come back here to test it.'
            : 'Your agents are all switched off. Switch one on, or create a new one.'}
          <div className="mt-4 flex flex-col justify-center gap-2 sm:flex-row">
            <Link to="/agents/new" search={{ next: 'onboarding' }} className={buttonClass('primary')}>
              Create an agent
            </Link>
            {agents.length > 0 && (
              <Link to="/agents" className={buttonClass('secondary')}>
                Review agents
              </Link>
            )}
          </div>
        </EmptyState>
      )}
      <StepNav onBack={onBack} onNext={onNext} nextDisabled={!agent} nextHint="An active agent is needed to answer." />
    </div>
  )
}

function TestStep({ tenantId, active, live, onBack }: { tenantId: string; active: Connection[]; live: boolean; onBack: () => void }) {
  return (
    <div className="space-y-4">
      <h2 className="text-base font-semibold text-zinc-900">Send a test message</h2>
      <p className="text-sm text-zinc-600">A real message through each channel proves everything is wired up. Your agent is live once one arrives.</p>
      {live && (
        <div role="status" className="flex flex-col gap-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 sm:flex-row sm:items-center sm:p-5">
          <PartyPopper className="size-6 shrink-0 text-emerald-600" aria-hidden />
          <div className="min-w-0 flex-1">
            <p className="text-sm font-semibold text-emerald-900">Your AI employee is live!</p>
            <p className="text-sm text-emerald-800">It answers on your connected channels from now on.</p>
          </div>
          <Link to="/conversations" className={buttonClass('secondary')}>
            See conversations
          </Link>
        </div>
      )}
      {active.map((c) => (
        <TestMessage key={c.id} tenantId={tenantId} connection={c} />
      ))}
      <StepNav onBack={onBack} />
    </div>
  )
}
