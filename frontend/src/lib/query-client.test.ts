// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { toast } from './toast'
import { ApiProblem } from '@/api/problem'
import { createQueryClient } from './query-client'

const unauthorized = () => new ApiProblem({ type: 'about:blank', title: 'Unauthorized', status: 401 })
const conflict = () => new ApiProblem({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'Already exists.' })

describe('createQueryClient', () => {
  it('ends the session when a read answers 401, except for the who-am-I probe', async () => {
    const onUnauthorized = vi.fn()
    const client = createQueryClient({ onUnauthorized })
    await client.fetchQuery({ queryKey: ['probe'], queryFn: () => Promise.reject(unauthorized()), meta: { authProbe: true } }).catch(() => {})
    expect(onUnauthorized).not.toHaveBeenCalled()
    await client.fetchQuery({ queryKey: ['agents'], queryFn: () => Promise.reject(unauthorized()) }).catch(() => {})
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('does not retry client errors', async () => {
    const client = createQueryClient({ onUnauthorized: vi.fn() })
    const queryFn = vi.fn(() => Promise.reject(conflict()))
    await client.fetchQuery({ queryKey: ['x'], queryFn, retryDelay: 0 }).catch(() => {})
    expect(queryFn).toHaveBeenCalledTimes(1)
    const flaky = vi.fn(() => Promise.reject(new ApiProblem({ type: 'about:blank', title: 'Bad Gateway', status: 502 })))
    await client.fetchQuery({ queryKey: ['y'], queryFn: flaky, retryDelay: 0 }).catch(() => {})
    expect(flaky).toHaveBeenCalledTimes(3)
  })

  it('toasts a failed mutation unless it handles its own errors', async () => {
    const error = vi.spyOn(toast, 'error')
    const client = createQueryClient({ onUnauthorized: vi.fn() })
    const run = (onError?: () => void) =>
      client
        .getMutationCache()
        .build(client, { mutationFn: () => Promise.reject(conflict()), ...(onError ? { onError } : {}) })
        .execute(undefined)
        .catch(() => {})
    await run()
    expect(error).toHaveBeenCalledWith('Already exists.')
    error.mockClear()
    await run(() => {})
    expect(error).not.toHaveBeenCalled()
  })
})
