import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, type RenderResult } from '@testing-library/react'
import { Suspense, type ReactElement } from 'react'
import { vi } from 'vitest'
import { Toasts } from '@/lib/toast'

/** Renders with a fresh query client (no retries), a suspense boundary and the toaster. */
export function renderWithQuery(ui: ReactElement): RenderResult & { queryClient: QueryClient } {
  // Fresh for 30 s as in the app: a slow test machine must not refetch what a suspended component just loaded.
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 30_000 }, mutations: { retry: false } } })
  const result = render(
    <QueryClientProvider client={queryClient}>
      {/* Components that read with suspense queries wait here, as under a route. */}
      <Suspense fallback={null}>{ui}</Suspense>
      <Toasts />
    </QueryClientProvider>,
  )
  return { ...result, queryClient }
}

export interface RecordedRequest {
  method: string
  url: string
  body: unknown
}

/**
 * Replaces fetch with a list of canned answers, one per call, and records
 * what was sent.
 */
export function mockFetch(...responses: Array<() => Response>) {
  const requests: RecordedRequest[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init)
    const text = await req.text()
    requests.push({ method: req.method, url: req.url, body: text ? JSON.parse(text) : undefined })
    const next = responses.shift()
    if (!next) throw new Error(`unexpected request ${req.method} ${req.url}`)
    return next()
  })
  vi.stubGlobal('fetch', fetch)
  return { fetch, requests }
}

export function json(status: number, body: unknown, contentType = 'application/json'): () => Response {
  return () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

export function problem(status: number, detail: string, errors: Array<{ location: string; message: string }> = []): () => Response {
  return json(status, { type: 'about:blank', title: 'Problem', status, detail, errors }, 'application/problem+json')
}
