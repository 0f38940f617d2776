// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { blockedReasonText, statusBadge } from './billing-status'

describe('subscription status badge', () => {
  it('gives active, trialing, past_due and canceled distinct colours', () => {
    const tones = ['active', 'trialing', 'past_due', 'canceled'].map((s) => statusBadge(s).tone)
    expect(tones).toEqual(['success', 'accent', 'warning', 'danger'])
    expect(new Set(tones).size).toBe(4)
  })

  it('labels every status the API can send', () => {
    expect(statusBadge('past_due')).toEqual({ label: 'Past due', tone: 'warning' })
    expect(statusBadge('unpaid')).toEqual({ label: 'Unpaid', tone: 'danger' })
    expect(statusBadge('incomplete_expired')).toEqual({ label: 'Expired', tone: 'danger' })
    expect(statusBadge('paused')).toEqual({ label: 'Paused', tone: 'neutral' })
    expect(statusBadge('none')).toEqual({ label: 'No subscription', tone: 'neutral' })
    expect(statusBadge('something_new')).toEqual({ label: 'something_new', tone: 'neutral' })
  })

  it('explains why agents do not answer', () => {
    expect(blockedReasonText('trial_ended')).toMatch(/trial has ended/)
    expect(blockedReasonText('payment_overdue')).toMatch(/grace period has ended/)
    expect(blockedReasonText('subscription_frozen')).toBe('Agents are not answering (subscription frozen).')
    expect(blockedReasonText(null)).toBe('Agents are not answering.')
  })
})
