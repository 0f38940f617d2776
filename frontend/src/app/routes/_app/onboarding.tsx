import { useQueryClient, useSuspenseInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query'
import { createFileRoute, Link, useNavigate } from '@tanstack/react-router'
import { AlertTriangle, ArrowLeft, ArrowRight, CheckCircle2, Lock, PartyPopper, Plus } from 'lucide-react'
import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { toast } from '@/lib/toast'
import { queryKeys } from '@/api/query-keys'
import { focusHeading } from '@/app/shell/focus'
import { Badge } from '@/components/ui/badge'
import { Button, buttonClass } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/empty-state'
import { PageHeader } from '@/components/ui/page-header'
import { ListSkeleton } from '@/components/ui/skeleton'
import { agentsQueryOptions, type Agent } from '@/features/agents/api/get-agents'
import { connectionsQueryOptions, type Connection } from '@/features/channels/api/get-connections'
import { AddToSlackCard } from '@/features/channels/components/add-to-slack-card'
import { connectionTitle } from '@/features/channels/components/channel-labels'
import { WhatsAppConnectCard } from '@/features/channels/components/whatsapp-connect-card'
import { Stepper } from '@/features/onboarding/components/stepper'
import { maxStep, onboardingSearchSchema, resolveStep, slackReturnError, type Progress, type Step } from '@/features/onboarding/onboarding-search'
import { readinessQueryOptions, type Readiness } from '@/features/readiness/api/get-readiness'
import { ReadinessChecklist } from '@/features/readiness/components/readiness-checklist'
import { RoundTrip } from '@/features/readiness/components/round-trip'
import { hasRole } from '@/lib/roles'

// The later steps' forms (the preview, the test recipient) load when their
// step is shown: a new workspace lands on step 1 with only what it needs.
const AgentPreview = lazy(() => import('@/features/agents/components/agent-preview').then((m) => ({ default: m.AgentPreview })))
const TestMessage = lazy(() => import('@/features/channels/components/test-message').then((m) => ({ default: m.TestMessage })))

export const Route = createFileRoute('/_app/onboarding')({
  validateSearch: onboardingSearchSchema,
  loader: async ({ context: { queryClient, tenantId } }) => {
    await Promise.all([
      queryClient.ensureInfiniteQueryData(connectionsQueryOptions(tenantId)),
      queryClient.ensureInfiniteQueryData(agentsQueryOptions(tenantId)),
      queryClient.ensureQueryData(readinessQueryOptions(tenantId)),
    ])
  },
  component: OnboardingPage,
})

function OnboardingPage() {
  const { membership } = Route.useRouteContext()
  const header = (
    <PageHeader title="Get started" description="Three steps to put your AI employee to work. It is live once a real message is answered." />
  )
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
  return (
    <>
      {header}
      <Wizard />
    </>
  )
}

function Wizard() {
  const { tenantId } = Route.useRouteContext()
  const search = Route.useSearch()
  const navigate = useNavigate({ from: '/onboarding' })
  const queryClient = useQueryClient()
  const { connections } = useSuspenseInfiniteQuery(connectionsQueryOptions(tenantId)).data
  const { agents } = useSuspenseInfiniteQuery(agentsQueryOptions(tenantId)).data
  const readiness = useSuspenseQuery(readinessQueryOptions(tenantId)).data
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
      void queryClient.invalidateQueries({ queryKey: queryKeys.readiness(tenantId) })
    } else if (search.error) {
      setSlackError(slackReturnError(search.error))
    }
    void navigate({ search: (prev) => ({ ...prev, connected: undefined, channel: undefined, error: undefined }), replace: true })
  }, [search, navigate, queryClient, tenantId])

  const active = connections.filter((c) => c.status === 'active')
  const activeAgents = agents.filter((a) => a.is_active)
  const progress: Progress = { channel: active.length > 0, agent: activeAgents.length > 0, live: readiness.live }
  const step = resolveStep(search.step, progress)

  // A step whose earlier steps are not done is never shown: the URL follows.
  useEffect(() => {
    if (step !== search.step) void navigate({ search: (prev) => ({ ...prev, step }), replace: true })
  }, [step, search.step, navigate])

  // Moving between steps puts focus on the new step's heading, never on the body.
  const stepHeading = useRef<HTMLHeadingElement>(null)
  const shownStep = useRef(step)
  useEffect(() => {
    if (shownStep.current !== step) focusHeading(stepHeading.current)
    shownStep.current = step
  }, [step])

  const goTo = (next: Step) => void navigate({ search: (prev) => ({ ...prev, step: next }) })

  return (
    <>
      <Stepper current={step} progress={progress} reachable={maxStep(progress)} />
      {step === 1 && (
        <ChannelStep
          headingRef={stepHeading}
          tenantId={tenantId}
          active={active}
          readiness={readiness}
          slackError={slackError}
          canContinue={progress.channel}
          onNext={() => goTo(2)}
        />
      )}
      {step === 2 && (
        <AgentStep
          headingRef={stepHeading}
          tenantId={tenantId}
          agents={agents}
          active={activeAgents}
          readiness={readiness}
          onBack={() => goTo(1)}
          onNext={() => goTo(3)}
        />
      )}
      {step === 3 && <TestStep headingRef={stepHeading} tenantId={tenantId} active={active} readiness={readiness} onBack={() => goTo(2)} />}
    </>
  )
}

type HeadingRef = React.RefObject<HTMLHeadingElement | null>

function StepHeading({ headingRef, children }: { headingRef: HeadingRef; children: string }) {
  return (
    <h2 ref={headingRef} tabIndex={-1} className="text-base font-semibold text-zinc-900">
      {children}
    </h2>
  )
}

function StepNav({
  onBack,
  onNext,
  nextDisabled,
  nextHint,
}: {
  onBack?: () => void
  onNext?: () => void
  nextDisabled?: boolean
  nextHint?: string
}) {
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
            <p id="next-hint" className="text-xs text-zinc-600">
              {nextHint}
            </p>
          )}
        </div>
      )}
    </div>
  )
}

function ChannelStep({
  headingRef,
  tenantId,
  active,
  readiness,
  slackError,
  canContinue,
  onNext,
}: {
  headingRef: HeadingRef
  tenantId: string
  active: Connection[]
  readiness: Readiness
  slackError: string | null
  canContinue: boolean
  onNext: () => void
}) {
  const { slack, whatsapp } = readiness.integrations
  const receives = (c: Connection) => readiness.connections.find((r) => r.connection_id === c.id)?.receives
  return (
    <div className="space-y-4">
      <StepHeading headingRef={headingRef}>Connect a channel</StepHeading>
      {slackError && (
        <div role="alert" className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
          {slackError}
        </div>
      )}
      {active.length > 0 && (
        <ul aria-label="Connected channels" className="space-y-2">
          {active.map((c) => {
            const r = receives(c)
            return (
              <li key={c.id} className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
                <span className="flex items-center gap-2">
                  <CheckCircle2 className="size-4 shrink-0" aria-hidden /> <span className="min-w-0 flex-1 truncate">{connectionTitle(c)}</span>
                  <Badge tone="success">Connected</Badge>
                </span>
                {r && !r.available && <span className="mt-1 block text-amber-900">{r.reason}</span>}
              </li>
            )
          })}
        </ul>
      )}
      <AddToSlackCard tenantId={tenantId} unavailable={slack.available ? null : slack.reason} />
      <WhatsAppConnectCard tenantId={tenantId} onConnected={onNext} unavailable={whatsapp.available ? null : whatsapp.reason} />
      <StepNav onNext={onNext} nextDisabled={!canContinue} nextHint="Connect Slack or WhatsApp first." />
    </div>
  )
}

function AgentStep({
  headingRef,
  tenantId,
  agents,
  active,
  readiness,
  onBack,
  onNext,
}: {
  headingRef: HeadingRef
  tenantId: string
  agents: Agent[]
  active: Agent[]
  readiness: Readiness
  onBack: () => void
  onNext: () => void
}) {
  const agent = active[0]
  const report = agent && readiness.agents.find((a) => a.agent_id === agent.id)
  const model = report?.checks.find((c) => c.name === 'model_callable')
  return (
    <div className="space-y-4">
      <StepHeading headingRef={headingRef}>Configure your agent</StepHeading>
      {agent ? (
        <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_24rem] xl:items-start">
          <section aria-label="Active agent" className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5">
            <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap items-center gap-2 text-sm font-semibold text-zinc-900">
                  {agent.name} <Badge tone="success">Active</Badge>
                </p>
                {agent.role_title && <p className="text-sm text-zinc-600">{agent.role_title}</p>}
                <p className="mt-2 font-mono text-xs text-zinc-600">{agent.model}</p>
                {agent.persona && <p className="mt-2 line-clamp-2 text-sm text-zinc-600">{agent.persona}</p>}
              </div>
              <Link to="/agents/$agentId" params={{ agentId: agent.id }} className={buttonClass('secondary')}>
                Edit<span className="sr-only"> {agent.name}</span>
              </Link>
            </div>
            {model && (
              <div className="mt-4 border-t border-zinc-100 pt-4">
                <ReadinessChecklist checks={[model]} label="Can it think?" />
              </div>
            )}
            {active.length > 1 && (
              <p className="mt-3 text-xs text-zinc-600">
                {active.length - 1} more active agent(s). A connection uses the one assigned to it in Settings → Channels.
              </p>
            )}
          </section>
          <Suspense fallback={<ListSkeleton rows={2} label="Loading the preview" />}>
            <AgentPreview tenantId={tenantId} agentId={agent.id} />
          </Suspense>
        </div>
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

function TestStep({
  headingRef,
  tenantId,
  active,
  readiness,
  onBack,
}: {
  headingRef: HeadingRef
  tenantId: string
  active: Connection[]
  readiness: Readiness
  onBack: () => void
}) {
  // The agent the operator is setting up: the one that answers on the first
  // connection (what the server's report says, never guessed here).
  const answering = readiness.connections.find((c) => c.status === 'active')?.agent_id
  const report = readiness.agents.find((a) => a.agent_id === answering) ?? readiness.agents[0]
  return (
    <div className="space-y-4">
      <StepHeading headingRef={headingRef}>Send a test message</StepHeading>
      <p className="text-sm text-zinc-600">
        The test goes out through your channel; then answer it from your own Slack or WhatsApp. When the agent’s reply reaches you, the whole loop is
        proven and your AI employee is live.
      </p>
      {readiness.live ? (
        <div role="status" className="flex flex-col gap-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4 sm:flex-row sm:items-center sm:p-5">
          <PartyPopper className="size-6 shrink-0 text-emerald-700" aria-hidden />
          <div className="min-w-0 flex-1">
            <p className="text-sm font-semibold text-emerald-900">Your AI employee is live!</p>
            <p className="text-sm text-emerald-900">It answered you, and it answers your customers from now on.</p>
          </div>
          <Link to="/conversations" className={buttonClass('secondary')}>
            See conversations
          </Link>
        </div>
      ) : (
        report && (
          <section aria-label="Not live yet" className="rounded-lg border border-amber-200 bg-amber-50 p-4 sm:p-5">
            <p className="mb-3 text-sm font-semibold text-amber-950">Not live yet</p>
            <ReadinessChecklist checks={report.checks} />
          </section>
        )
      )}
      {active.map((c) => {
        const r = readiness.connections.find((x) => x.connection_id === c.id)
        return (
          <div key={c.id} className="space-y-3">
            <Suspense fallback={<ListSkeleton rows={1} label="Loading the test" />}>
              <TestMessage tenantId={tenantId} connection={c} />
            </Suspense>
            {r && r.test.status !== 'not_sent' && (
              <section
                aria-label={`Round trip on ${connectionTitle(c)}`}
                aria-live="polite"
                className="rounded-lg border border-zinc-200 bg-white p-4 sm:p-5"
              >
                <RoundTrip connection={r} />
              </section>
            )}
          </div>
        )
      })}
      <StepNav onBack={onBack} />
    </div>
  )
}
