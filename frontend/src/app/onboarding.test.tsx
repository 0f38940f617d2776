import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { createMemoryHistory, createRouter, RouterProvider } from '@tanstack/react-router'
import { render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { Toasts } from '@/lib/toast'
import { routeTree } from './routeTree.gen'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

const slack = {
  id: 'c0a8e5a4-1f77-4c7e-9a53-52b0f0f4a6d1',
  tenant_id: tenantId,
  type: 'slack',
  external_id: 'T1',
  display_name: 'Acme',
  status: 'active',
  status_reason: '',
  agent_id: null,
  connected_at: '2026-11-01T00:00:00Z',
  last_event_at: null,
  last_test: null,
  last_check: null,
  details: {},
}
const agent = { id: 'a1', tenant_id: tenantId, name: 'Ada', role_title: 'Support', persona: '', model: 'openai/gpt-4o-mini', is_active: true }

const available = { available: true, reason: null }

/** The server's readiness for these connections and agents: set up, nothing tested yet. */
function readiness(connections: Array<typeof slack>, agents: Array<typeof agent>, overrides: Record<string, unknown> = {}) {
  return {
    live: false,
    next: null,
    integrations: { slack: available, whatsapp: available },
    agents: agents.map((a) => ({
      agent_id: a.id,
      name: a.name,
      live: false,
      checks: [
        { name: 'model_callable', status: 'pass', message: `${a.model} answers, with the platform’s key.`, action: null },
        { name: 'test_sent', status: 'fail', message: 'No test message has gone out yet.', action: { label: 'Send a test message', path: '/onboarding?step=3' } },
      ],
      models: [{ id: a.model, callable: true, reason: null }],
    })),
    connections: connections.map((c) => ({
      connection_id: c.id,
      type: c.type,
      display_name: c.display_name,
      status: c.status,
      agent_id: agents[0]?.id ?? null,
      receives: available,
      test: { status: 'not_sent', at: null, message: '' },
      round_trip: { status: 'not_started', proven: false, inbound: null, reply: null },
    })),
    ...overrides,
  }
}

/** The API as the wizard sees it, answered by path. */
function stubApi({ connections = [] as Array<typeof slack>, agents = [] as Array<typeof agent>, ready = {} as Record<string, unknown> } = {}) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request) => {
      const path = new URL(input.url).pathname
      const body = (b: unknown) => new Response(JSON.stringify(b), { status: 200, headers: { 'Content-Type': 'application/json' } })
      if (path === '/api/portal/me') {
        return body({ user: { id: 'u1', email: 'grace@example.com', name: 'Grace Hopper' }, memberships: [{ tenant_id: tenantId, tenant_name: 'Acme', role: 'owner' }] })
      }
      if (path.endsWith('/channels')) return body({ items: connections, next_cursor: null })
      if (path.endsWith('/agents')) return body({ items: agents, next_cursor: null })
      if (path.endsWith('/readiness')) return body(readiness(connections, agents, ready))
      return new Response('{}', { status: 404 })
    }),
  )
}

function renderAt(url: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const router = createRouter({ routeTree, context: { queryClient }, history: createMemoryHistory({ initialEntries: [url] }) })
  render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toasts />
    </QueryClientProvider>,
  )
  return router
}

const progress = () => screen.getByRole('navigation', { name: 'Onboarding progress' })

describe('onboarding wizard with the real router', () => {
  it('cannot skip ahead: ?step=3 without an agent shows step 2 and the URL follows', async () => {
    stubApi({ connections: [slack] })
    const router = renderAt('/onboarding?step=3')
    expect(await screen.findByRole('heading', { name: 'Configure your agent' })).toBeInTheDocument()
    await waitFor(() => expect(router.state.location.search).toMatchObject({ step: 2 }))
    const steps = within(progress()).getAllByRole('listitem')
    expect(steps.map((s) => s.dataset.state)).toEqual(['complete', 'active', 'pending'])
    expect(steps[1]).toHaveAttribute('aria-current', 'step')
    expect(screen.getByRole('button', { name: /Next/ })).toBeDisabled()
    expect(screen.getByRole('link', { name: 'Create an agent' })).toHaveAttribute('href', '/agents/new?next=onboarding')
  })

  it('falls back to step 1 for a bad step and without a channel', async () => {
    stubApi()
    const router = renderAt('/onboarding?step=banana')
    expect(await screen.findByRole('heading', { name: 'Connect a channel' })).toBeInTheDocument()
    expect(router.state.location.search).toMatchObject({ step: 1 })
    expect(screen.getByRole('button', { name: /Next/ })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Add to Slack' })).toBeInTheDocument()
  })

  it('reads Slack’s success once: a toast, step 2, and a clean URL', async () => {
    stubApi({ connections: [slack], agents: [agent] })
    const router = renderAt('/onboarding?step=2&channel=slack&connected=true')
    expect(await screen.findByText('Slack is connected')).toBeInTheDocument()
    expect(await screen.findByRole('heading', { name: 'Configure your agent' })).toBeInTheDocument()
    await waitFor(() => expect(router.state.location.search).toEqual({ step: 2 }))
    expect(screen.getByRole('region', { name: 'Active agent' })).toHaveTextContent('Ada')
    expect(screen.getByRole('button', { name: /Next/ })).toBeEnabled()
  })

  it('explains a workspace that is already taken and removes the error from the URL', async () => {
    stubApi()
    const router = renderAt('/onboarding?step=1&error=slack_workspace_taken')
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent(/already connected to another Konstruct workspace/)
    await waitFor(() => expect(router.state.location.search).toEqual({ step: 1 }))
  })

  it('shows step 3 with a test per connection once a channel and an active agent exist', async () => {
    stubApi({ connections: [slack], agents: [agent] })
    renderAt('/onboarding?step=3')
    expect(await screen.findByRole('heading', { name: 'Send a test message' })).toBeInTheDocument()
    expect(await screen.findByRole('region', { name: 'Test Slack · Acme' })).toBeInTheDocument()
    expect(screen.queryByText('Your AI employee is live!')).toBeNull()
    expect(screen.queryByRole('button', { name: /Skip|Go Live/i })).toBeNull()
  })
})
