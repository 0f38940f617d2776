import { describe, expect, it } from 'vitest'
import { endpointBody, endpointSchema, groupTypes, replaySince } from './endpoint-schema'

describe('endpointSchema', () => {
  const valid = { url: 'https://hooks.example.com/konstruct', description: '', allEvents: true, eventTypes: [] }

  it('accepts an https URL with every event', () => {
    expect(endpointSchema.safeParse(valid).success).toBe(true)
  })

  it('needs an absolute URL', () => {
    const r = endpointSchema.safeParse({ ...valid, url: 'hooks.example.com' })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['url'])
  })

  it('needs at least one event unless all are chosen', () => {
    const r = endpointSchema.safeParse({ ...valid, allEvents: false })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['eventTypes'])
    expect(endpointSchema.safeParse({ ...valid, allEvents: false, eventTypes: ['agent.created'] }).success).toBe(true)
  })
})

describe('endpointBody', () => {
  it('sends no types for all events', () => {
    expect(endpointBody({ url: ' https://x.example ', description: ' CRM ', allEvents: true, eventTypes: ['agent.created'] })).toEqual({
      url: 'https://x.example',
      description: 'CRM',
      event_types: [],
    })
  })
})

describe('groupTypes', () => {
  it('groups by the part before the first dot, in order', () => {
    const groups = groupTypes([{ type: 'message.received' }, { type: 'agent.created' }, { type: 'agent.updated' }])
    expect(groups.map(([g, ts]) => [g, ts.length])).toEqual([
      ['message', 1],
      ['agent', 2],
    ])
  })
})

describe('replaySince', () => {
  it('counts back from now', () => {
    expect(replaySince('24', new Date('2026-12-02T10:00:00Z'))).toBe('2026-12-01T10:00:00.000Z')
  })
})
