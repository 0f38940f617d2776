// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { attentionItems } from './attention'

const ids = (...args: Parameters<typeof attentionItems>) => attentionItems(...args).map((i) => i.id)

describe('attentionItems', () => {
  it('asks for a first agent and a budget in a new workspace', () => {
    const items = attentionItems({ agents: [], budgetLimitUsd: null, pendingInvites: 0, canManage: true })
    expect(items.map((i) => i.id)).toEqual(['no-agent', 'no-budget'])
    expect(items[0]?.link).toEqual({ to: '/agents/new', label: 'Create an agent' })
  })

  it('warns when no agent is active', () => {
    const items = attentionItems({ agents: [{ is_active: false }, { is_active: false }], budgetLimitUsd: 10, pendingInvites: 0, canManage: true })
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ id: 'no-active-agent', tone: 'warning', description: expect.stringContaining('2 agents') })
  })

  it('is empty when everything is in order', () => {
    expect(ids({ agents: [{ is_active: true }], budgetLimitUsd: 0, pendingInvites: 0, canManage: true })).toEqual([])
  })

  it('mentions pending invitations', () => {
    expect(attentionItems({ agents: [{ is_active: true }], budgetLimitUsd: 5, pendingInvites: 2, canManage: true })[0]?.title).toBe('2 invitations pending')
  })

  it('shows members the state without links they could not use', () => {
    expect(attentionItems({ agents: [], budgetLimitUsd: null, pendingInvites: 0, canManage: false }).every((i) => i.link === null)).toBe(true)
  })
})
