// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { auditSearchSchema, isoToLocalInput, localInputToIso, toAuditQuery } from './audit-search'

describe('audit search params', () => {
  it('drops invalid values instead of failing', () => {
    expect(auditSearchSchema.parse({ action: 'agent.', range: 'forever', since: 'yesterday', actor: '' })).toEqual({ action: 'agent.' })
  })

  it('keeps valid values', () => {
    const s = { action: 'agent.created', actor: 'u1', range: 'custom', since: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00.000Z' }
    expect(auditSearchSchema.parse(s)).toEqual(s)
  })

  it('resolves relative ranges at request time', () => {
    const now = new Date('2026-03-10T12:00:00Z')
    expect(toAuditQuery({ range: '24h', action: 'member.' }, now)).toEqual({ action: 'member.', since: '2026-03-09T12:00:00.000Z' })
    expect(toAuditQuery({ range: '7d' }, now)).toEqual({ since: '2026-03-03T12:00:00.000Z' })
    expect(toAuditQuery({ range: 'all', since: '2026-01-01T00:00:00Z' }, now)).toEqual({})
  })

  it('passes a custom range and the actor through', () => {
    expect(toAuditQuery({ range: 'custom', since: 'a', until: 'b', actor: 'tok' })).toEqual({ since: 'a', until: 'b', actor_id: 'tok' })
  })

  it('converts datetime-local values both ways', () => {
    const iso = localInputToIso('2026-03-10T09:30')
    expect(iso).toBeDefined()
    expect(isoToLocalInput(iso)).toBe('2026-03-10T09:30')
    expect(localInputToIso('')).toBeUndefined()
    expect(isoToLocalInput(undefined)).toBe('')
  })
})
