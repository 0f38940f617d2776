// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { json, problem } from '@/testing/render'
import { createApiClient, dataOf } from './client'
import { ApiProblem, isUnauthorized, problemMessage } from './problem'

const client = (...responses: Array<() => Response>) =>
  createApiClient({
    baseUrl: 'http://portal.test',
    fetch: vi.fn(async () => {
      const next = responses.shift()
      if (!next) throw new Error('no response left')
      return next()
    }),
  })

const tenantPath = { params: { path: { tenant_id: '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001' } } }

describe('API client', () => {
  it('returns the body of a successful answer', async () => {
    const me = { user: null, token: null, memberships: [] }
    const result = await client(json(200, me)).GET('/api/portal/me')
    expect(dataOf(result)).toEqual(me)
  })

  it('turns a 422 problem into an ApiProblem with its field errors', async () => {
    const api = client(problem(422, 'fallback_models[1] is not a known model', [{ location: 'body.fallback_models[1]', message: 'unknown model' }]))
    const error = await api.POST('/api/portal/tenants/{tenant_id}/agents', { ...tenantPath, body: { name: 'Ada', model: 'openai/x' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiProblem)
    const p = error as ApiProblem
    expect(p.status).toBe(422)
    expect(p.detail).toBe('fallback_models[1] is not a known model')
    expect(p.errors).toEqual([{ location: 'body.fallback_models[1]', message: 'unknown model' }])
    expect(p.fieldErrors().get('body.fallback_models[1]')).toBe('unknown model')
    expect(problemMessage(p)).toBe('fallback_models[1] is not a known model')
  })

  it('keeps the problem fields it knows and ignores malformed extras', async () => {
    const api = client(json(409, { type: 'about:blank', title: 'Conflict', status: 409, errors: 'nope', request_id: 'r1' }, 'application/problem+json'))
    const p = (await api.GET('/api/portal/me').catch((e: unknown) => e)) as ApiProblem
    expect(p.status).toBe(409)
    expect(p.title).toBe('Conflict')
    expect(p.errors).toEqual([])
    expect(p.requestId).toBe('r1')
    expect(problemMessage(p)).toBe('Conflict')
  })

  it('gives a non-problem error page a generic problem with the status', async () => {
    const api = client(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }))
    const p = (await api.GET('/api/portal/me').catch((e: unknown) => e)) as ApiProblem
    expect(p).toBeInstanceOf(ApiProblem)
    expect(p.status).toBe(502)
    expect(p.title).toBe('Bad Gateway')
    expect(p.detail).toMatch(/try again/i)
  })

  it('recognises 401 so the portal can send the user to sign in', async () => {
    const p = await client(problem(401, 'Sign in or send an API token.')).GET('/api/portal/me').catch((e: unknown) => e)
    expect(isUnauthorized(p)).toBe(true)
    expect(isUnauthorized(new Error('x'))).toBe(false)
  })

  it('turns a network failure into a status-0 problem', async () => {
    const api = createApiClient({
      baseUrl: 'http://portal.test',
      fetch: vi.fn(async () => {
        throw new TypeError('Failed to fetch')
      }),
    })
    const p = (await api.GET('/api/portal/me').catch((e: unknown) => e)) as ApiProblem
    expect(p).toBeInstanceOf(ApiProblem)
    expect(p.status).toBe(0)
    expect(p.title).toBe('Network error')
    expect(p.cause).toBeInstanceOf(TypeError)
  })

  it('treats 204 as success with no body', async () => {
    const api = client(() => new Response(null, { status: 204 }))
    const result = await api.DELETE('/api/portal/tenants/{tenant_id}/agents/{agent_id}', {
      params: { path: { tenant_id: tenantPath.params.path.tenant_id, agent_id: '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a002' } },
    })
    expect(result.response.status).toBe(204)
    expect(result.data).toBeUndefined()
  })
})
