import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'
import { Toaster } from 'sonner'
import { vi } from 'vitest'

/** Renders with a fresh query client (no retries) and the toaster. */
export function renderWithQuery(ui: ReactElement): RenderResult & { queryClient: QueryClient } {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  const result = render(
    <QueryClientProvider client={queryClient}>
      {ui}
      <Toaster />
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
