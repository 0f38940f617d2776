// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { ApiProblem } from '@/api/problem'
import { applyProblemToForm, bodyFieldPath, sameNames } from './form-problem'

const p422 = (errors: Array<{ location: string; message: string }>) =>
  new ApiProblem({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: 'invalid', errors })

describe('bodyFieldPath', () => {
  it.each([
    ['body.name', 'name'],
    ['body.fallback_models[1]', 'fallback_models.1'],
    ['body.escalation_target.id', 'escalation_target.id'],
    ['body.a[2].b[10]', 'a.2.b.10'],
    ['query.limit', null],
    ['path.tenant_id', null],
    ['body', null],
  ])('%s → %s', (location, path) => {
    expect(bodyFieldPath(location)).toBe(path)
  })
})

describe('applyProblemToForm', () => {
  type Values = { email: string; role: string }
  const resolve = sameNames<Values>(['email', 'role'])

  it('sets each known field once and focuses the first', () => {
    const setError = vi.fn()
    const result = applyProblemToForm<Values>(
      p422([
        { location: 'body.email', message: 'taken' },
        { location: 'body.email', message: 'second message is ignored' },
        { location: 'body.role', message: 'too high' },
      ]),
      setError,
      resolve,
    )
    expect(result).toEqual({ matched: 2, unmatched: [] })
    expect(setError).toHaveBeenNthCalledWith(1, 'email', { type: 'server', message: 'taken' }, { shouldFocus: true })
    expect(setError).toHaveBeenNthCalledWith(2, 'role', { type: 'server', message: 'too high' }, { shouldFocus: false })
  })

  it('reports what has no field on this form', () => {
    const setError = vi.fn()
    const result = applyProblemToForm<Values>(p422([{ location: 'query.cursor', message: 'bad cursor' }, { location: 'body.other', message: 'nope' }]), setError, resolve)
    expect(result).toEqual({ matched: 0, unmatched: ['bad cursor', 'nope'] })
    expect(setError).not.toHaveBeenCalled()
  })

  it('leaves other problems to the caller', () => {
    const setError = vi.fn()
    expect(applyProblemToForm(new ApiProblem({ type: 'about:blank', title: 'Forbidden', status: 403 }), setError, resolve)).toBeNull()
    expect(applyProblemToForm(new Error('boom'), setError, resolve)).toBeNull()
    expect(applyProblemToForm(p422([]), setError, resolve)).toBeNull()
  })
})
