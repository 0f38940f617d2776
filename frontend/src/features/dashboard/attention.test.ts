// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { attentionItems } from './attention'

const ids = (...args: Parameters<typeof attentionItems>) => attentionItems(...args).map((i) => i.id)

describe('attentionItems', () => {
  it('asks for a budget in a new workspace; going live is the readiness report’s', () => {
    const items = attentionItems({ budgetLimitUsd: null, pendingInvites: 0, canManage: true, connections: [] })
    expect(items.map((i) => i.id)).toEqual(['no-budget'])
  })

  it('is empty when everything is in order', () => {
    expect(ids({ budgetLimitUsd: 0, pendingInvites: 0, canManage: true })).toEqual([])
  })

  it('mentions pending invitations', () => {
    expect(attentionItems({ budgetLimitUsd: 5, pendingInvites: 2, canManage: true })[0]?.title).toBe('2 invitations pending')
  })

  it('shows members the state without links they could not use', () => {
    expect(attentionItems({ budgetLimitUsd: null, pendingInvites: 0, canManage: false }).every((i) => i.link === null)).toBe(true)
  })

  it('warns about revoked or failing channels and failing keys', () => {
    const items = attentionItems({
      budgetLimitUsd: 5,
      pendingInvites: 0,
      canManage: true,
      connections: [
        { display_name: 'Acme', type: 'slack', status: 'revoked', status_reason: 'The app was uninstalled from Slack.', last_check: null },
        { display_name: '+1 555', type: 'whatsapp', status: 'active', status_reason: '', last_check: { results: [{ status: 'pass' }, { status: 'fail' }] } },
        { display_name: 'Old', type: 'slack', status: 'disconnected', status_reason: '', last_check: null },
      ],
      llmKeys: [
        { label: 'Prod', status: 'failing', last_error: 'OpenAI rejected this key' },
        { label: 'Fine', status: 'active', last_error: '' },
      ],
    })
    expect(items.map((i) => i.title)).toEqual(['Slack Acme was revoked', 'WhatsApp +1 555 is failing its checks', 'LLM key “Prod” is failing'])
    expect(items[0]?.description).toBe('The app was uninstalled from Slack.')
    expect(items[2]?.link).toEqual({ to: '/settings/api-keys', label: 'Review keys' })
  })

  it('counts escalated and flagged conversations and links to the filtered list', () => {
    const items = attentionItems({
      budgetLimitUsd: 5,
      pendingInvites: 0,
      canManage: false,
      escalated: { count: 25, more: true },
      flagged: { count: 1, more: false },
    })
    expect(items.map((i) => i.title)).toEqual(['25+ conversations handed over to a person', '1 conversation the agent couldn’t answer'])
    // Any member may answer, so these links stay for members.
    expect(items[0]?.link).toEqual({ to: '/conversations', label: 'Answer them', search: { status: 'escalated' } })
    expect(items[1]?.link?.search).toEqual({ flagged: true })
  })
})
