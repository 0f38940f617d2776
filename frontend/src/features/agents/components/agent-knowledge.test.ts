import { describe, expect, it } from 'vitest'
import { bodyOf, budgetError, draftOf, sameDraft } from './agent-knowledge'

const a = '11111111-1111-4111-8111-111111111111'
const b = '22222222-2222-4222-8222-222222222222'
const c = '33333333-3333-4333-8333-333333333333'
const listed = [
  { id: a, title: 'Returns policy', kind: 'file', status: 'ready' },
  { id: b, title: 'Help centre', kind: 'site', status: 'indexing' },
]

describe('agent knowledge', () => {
  it('sends the ticked sources in list order, keeping assigned ones the designer does not list', () => {
    const stored = { source_ids: [c, a], token_budget: 1500, when_unknown: 'say_unknown' as const }
    const d = draftOf(stored)
    const ticked = { ...d, sourceIds: new Set([...d.sourceIds, b]) }
    expect(bodyOf(ticked, listed, stored)).toEqual({ source_ids: [a, b, c], token_budget: 1500, when_unknown: 'say_unknown' })
  })

  it('unticking every listed source sends none of them', () => {
    const stored = { source_ids: [a], token_budget: 800, when_unknown: 'handover' as const }
    expect(bodyOf({ ...draftOf(stored), sourceIds: new Set() }, listed, stored)).toEqual({ source_ids: [], token_budget: 800, when_unknown: 'handover' })
  })

  it('knows when nothing changed', () => {
    const stored = { source_ids: [a, b], token_budget: 1500, when_unknown: 'say_unknown' as const }
    expect(sameDraft(draftOf(stored), draftOf({ ...stored, source_ids: [b, a] }))).toBe(true)
    expect(sameDraft(draftOf(stored), { ...draftOf(stored), tokenBudget: '1600' })).toBe(false)
  })

  it('checks the budget against the contract’s range', () => {
    expect(budgetError('1500')).toBeUndefined()
    expect(budgetError('')).toBe('Enter a number of tokens')
    expect(budgetError('99')).toBe('Between 100 and 8,000 tokens')
    expect(budgetError('8001')).toBe('Between 100 and 8,000 tokens')
    expect(budgetError('150.5')).toBe('A whole number of tokens')
  })
})
